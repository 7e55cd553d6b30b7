import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { writeCatalogue } from '../../directories/catalogue-file';
import type { AdapterInput } from '../../directories/definition/adapter.schema';
import { checkDirectory, type DirectoryDocument } from '../../directories/definition/directory.schema';
import { SANDBOX_DEFAULT_URL } from '../catalogue';
import { escapeHtml, htmlPage } from '../pages/html';
import type { SandboxState } from '../sandbox-state';

/**
 * A directory that needs an account, served under /f/auth/: /f/auth/login signs in with the test
 * account below and sets a cookie; the listing form at /f/auth/listing/ sends a visitor without it
 * to the sign-in page, and its POST refuses one. Both POSTs are recorded: the sign-in as slug
 * `auth-signin` (what was typed, and whether it matched), the listing under the directory's slug
 * with `account`: the username it arrived signed in as.
 *
 * Two directories share the pages: `auth-login` (tests store its credentials) and `auth-unset`
 * (nobody does, so it must fail before the site sees anything).
 */
export const AUTH_ACCOUNT = { username: 'owner@bluedoor.example' } as const;
/** Tests give the password; any value signs in as long as it starts with this. */
export const AUTH_PASSWORD_PREFIX = 'bl-test-credential-';

const SESSION_COOKIE = 'sandbox-auth';

const SIGN_IN_FORM = (problem?: string) => `<h1>Sign in</h1>
${problem ? `<p id="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/f/auth/login" novalidate>
<p><label for="username">Username</label> <input type="text" id="username" name="username" autocomplete="username"></p>
<p><label for="password">Password</label> <input type="password" id="password" name="password" autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p>
</form>`;

const LISTING_FORM = (slug: string) => `<h1>Add your business</h1>
<form method="post" action="/f/auth/listing/submit?for=${encodeURIComponent(slug)}" novalidate>
<p><label for="name">Business name</label> <input type="text" id="name" name="name"></p>
<p><label for="website">Website</label> <input type="text" id="website" name="website"></p>
<p><button type="submit">Send</button></p>
</form>`;

const ADAPTER: AdapterInput = {
  version: 1,
  description: 'Signs in with the stored username and password, then fills the listing form.',
  login: {
    url: '/f/auth/login',
    steps: [
      {
        fields: [
          { credential: 'username', target: { label: 'Username' } },
          { credential: 'password', target: { label: 'Password' } },
        ],
        advance: { role: 'button', name: 'Sign in' },
      },
    ],
    success: { selectors: ['#signed-in'] },
  },
  steps: [
    {
      fields: [
        { field: 'businessName', target: { label: 'Business name' } },
        { field: 'website', target: { label: 'Website' } },
      ],
      advance: { role: 'button', name: 'Send' },
    },
  ],
  success: { selectors: ['#outcome.accepted'] },
  failure: { selectors: ['#outcome.refused'] },
  timeouts: { stepMs: 5000 },
};

const DIRECTORIES = { 'auth-login': 'Auth: sign in first', 'auth-unset': 'Auth: sign in first, no credentials stored' } as const;

export const AUTH_CATALOGUE_FILE = join(__dirname, 'auth.yaml');

export function authCatalogue(baseUrl: string = SANDBOX_DEFAULT_URL): DirectoryDocument[] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return Object.entries(DIRECTORIES).map(([id, name]) => {
    const checked = checkDirectory({ id, name, submitUrl: `${base}f/auth/listing/?for=${id}`, enabled: true, adapter: ADAPTER });
    if (!checked.ok) throw new Error(`${id}: ${JSON.stringify(checked.errors)}`);
    return checked.value;
  });
}

/** The text of auth.yaml. */
export function authCatalogueFile(): string {
  return `# The sign-in feature pages (src/sandbox/features/auth.ts). Written by \`npm run sandbox:catalogue\`; do not edit by hand.\n${writeCatalogue(authCatalogue(), 'yaml', SANDBOX_DEFAULT_URL)}`;
}

/** The two directories share the pages; `?for=` tells them apart. */
function slugOf(req: Request): string {
  const slug = String(req.query.for ?? '');
  return slug in DIRECTORIES ? slug : 'auth-login';
}

export function authRouter(state: SandboxState): Router {
  const router = express.Router();
  /** Session token -> the username it signed in as. */
  const sessions = new Map<string, string>();
  const accountOf = (req: Request) => sessions.get(new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([0-9a-f]+)`).exec(req.headers.cookie ?? '')?.[1] ?? '');
  const toSignIn = (res: Response) => void res.redirect(303, '/f/auth/login');

  router.get('/login', (_req, res) => void res.type('html').send(htmlPage('Sign in', SIGN_IN_FORM())));
  router.post('/login', (req: Request, res: Response) => {
    const username = String(req.body?.username ?? '');
    const password = String(req.body?.password ?? '');
    const ok = username === AUTH_ACCOUNT.username && password.startsWith(AUTH_PASSWORD_PREFIX);
    state.record({ slug: 'auth-signin', position: 0, website: '', businessName: '', fields: { username, password }, outcome: ok ? 'accepted' : 'rejected', at: new Date().toISOString() });
    if (!ok) return void res.status(401).type('html').send(htmlPage('Sign in', SIGN_IN_FORM('Wrong username or password.')));
    const token = randomBytes(16).toString('hex');
    sessions.set(token, username);
    res.cookie(SESSION_COOKIE, token, { path: '/f/auth/', httpOnly: true });
    res.type('html').send(htmlPage('Signed in', '<p id="signed-in">You are signed in.</p>\n<p><a href="/f/auth/listing/">Add your business</a></p>'));
  });
  router.get('/listing/', (req, res) => {
    if (!accountOf(req)) return toSignIn(res);
    res.type('html').send(htmlPage('Add your business', LISTING_FORM(slugOf(req))));
  });
  router.post('/listing/submit', (req: Request, res: Response) => {
    const account = accountOf(req);
    if (!account) return toSignIn(res);
    const name = String(req.body?.name ?? '');
    const website = String(req.body?.website ?? '');
    const problem = !name.trim() ? 'name is required' : !website.trim() ? 'website is required' : undefined;
    const slug = slugOf(req);
    state.record({ slug, position: 0, website, businessName: name, fields: { name, website, account }, outcome: problem ? 'rejected' : 'accepted', at: new Date().toISOString() });
    res
      .status(problem ? 422 : 200)
      .type('html')
      .send(htmlPage('Add your business', `<p id="outcome" class="${problem ? 'refused' : 'accepted'}">${escapeHtml(problem ?? 'Thank you, your listing was received.')}</p>`));
  });
  return router;
}
