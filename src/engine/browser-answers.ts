import type { BrowserContext } from 'playwright-core';

/** How long a browser has to answer before it counts as gone (a frozen one never does). */
export const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Whether the browser behind `context` is still there. Asked after an attempt failed, to tell a
 * page that broke from a browser that died: the call that noticed may fail a moment before
 * Playwright sees the pipe close, so this asks the browser itself, bounded in time. Every host
 * of the engine asks it the same way.
 */
export async function browserAnswers(context: BrowserContext): Promise<boolean> {
  const browser = context.browser();
  if (!browser?.isConnected()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ANSWER_TIMEOUT_MS)));
  const asked = browser.newBrowserCDPSession().then(
    (session) => session.detach().then(() => true, () => true),
    () => false,
  );
  try {
    return await Promise.race([asked, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a context, waiting ANSWER_TIMEOUT_MS at most: a frozen browser never answers, and the caller must go on. */
export async function closeContext(context: BrowserContext): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([context.close().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ANSWER_TIMEOUT_MS)))]);
  clearTimeout(timer);
}
