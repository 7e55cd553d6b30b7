/**
 * Signs a staff member in over HTTP, as a browser does (the sign-in page's CSRF token and cookie,
 * then the form), and answers the session cookie to send with later requests.
 */
export async function signIn(origin: string, member: { email: string; password: string }): Promise<string> {
  const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const page = await fetch(`${origin}/staff/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error('the sign-in page has no CSRF token');
  const res = await fetch(`${origin}/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(page) },
    body: new URLSearchParams({ ...member, _csrf: csrf }).toString(),
    redirect: 'manual',
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  return cookieOf(res);
}
