import { z } from 'zod';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { sandboxDirectoryName, sandboxSlug } from './catalogue';
import { behaviourOf, layoutOf } from './behaviour';
import { processFinalSubmission } from './final-submission';
import { assistedRouter } from './features/assisted';
import { authRouter } from './features/auth';
import { formsRouter } from './features/forms';
import { outcomesRouter } from './features/outcomes';
import { hostileRouter } from './hostile';
import { CRASH_SCRIPT, pageFaultSchema } from './page-faults';
import { SITES } from './pages';
import type { SiteDirectory } from './pages/site';
import type { SandboxState } from './sandbox-state';

/**
 * The sandbox's HTTP surface: each directory's pages under /d/:slug/, the SSRF test's hostile pages
 * under /hostile/, plus /_sandbox/ routes for tests and benchmarks to inspect and reset what the
 * directories received.
 */
export function sandboxApp(state: SandboxState, opts: { directories: number; slowMs: number }): express.Express {
  const directories = new Map<string, SiteDirectory>();
  for (let position = 1; position <= opts.directories; position++) {
    const slug = sandboxSlug(position);
    const name = sandboxDirectoryName(position);
    directories.set(slug, { slug, name, position, layout: layoutOf(position), behaviour: behaviourOf(position) });
  }

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '1mb' }), express.json({ limit: '1mb' }));

  app.get('/_sandbox/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/_sandbox/submissions', (_req, res) => {
    res.json(state.snapshot());
  });
  app.post('/_sandbox/reset', (_req, res) => {
    state.reset();
    res.json({ ok: true });
  });

  app.delete('/_sandbox/faults', (_req, res) => {
    state.faults.clear();
    res.json({ ok: true });
  });

  // Pages that try to lead the browser astray, for the SSRF test (see hostile.ts).
  app.use('/hostile', hostileRouter(state));
  app.use('/f/forms', formsRouter(state));
  app.use('/f/outcomes', outcomesRouter(state));
  app.use('/f/auth', authRouter(state));
  app.use('/f/assisted', assistedRouter(state));

  app.param('slug', (_req, res, next, slug: string) => {
    const dir = directories.get(slug);
    if (!dir) {
      res.status(404).type('text/plain').send(`No directory called ${slug}`);
      return;
    }
    res.locals.dir = dir;
    next();
  });
  // Switches a page fault on for one directory (see page-faults.ts); after the slug lookup, so an
  // unknown directory is a 404.
  app.put('/_sandbox/faults/:slug', (req, res) => {
    const parsed = pageFaultSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: z.prettifyError(parsed.error) });
      return;
    }
    state.faults.set(dirOf(res).slug, parsed.data);
    res.json({ ok: true });
  });
  const fault = (on: 'form' | 'submit') => state.faults.middleware(on, (res) => dirOf(res).slug);

  const pace: RequestHandler = (_req, res, next) => {
    if (dirOf(res).behaviour !== 'slow') return next();
    // A client that gave up (or close() ending every connection) ends the wait: no timer outlives it.
    const timer = setTimeout(next, opts.slowMs);
    res.once('close', () => clearTimeout(timer));
  };

  // Each form page opens a session the final POST closes (the cookie carries it), for tests of overlap.
  const openSession: RequestHandler = (_req, res, next) => {
    res.cookie(SESSION_COOKIE, state.openSession(dirOf(res).slug), { path: `/d/${dirOf(res).slug}/`, httpOnly: true });
    next();
  };
  const answerSession = (req: Request, res: Response) => state.answerSession(sessionOf(req), dirOf(res).slug, bodyFields(req)[SITES[dirOf(res).layout].fieldNames.website] ?? '');

  app.get('/d/:slug/', openSession, fault('form'), pace, (_req, res) => {
    const dir = dirOf(res);
    sendHtml(res, 200, SITES[dir.layout].formPage(dir) + crashScript(res));
  });
  // Routes a layout does not have fall through to express's 404.
  app.post('/d/:slug/step2', pace, (req, res, next) => {
    const dir = dirOf(res);
    const site = SITES[dir.layout];
    if (!site.secondPage) return next();
    sendHtml(res, 200, site.secondPage(dir, bodyFields(req)));
  });
  app.post('/d/:slug/submit', fault('submit'), pace, (req, res, next) => {
    const dir = dirOf(res);
    const site = SITES[dir.layout];
    if (!site.resultPage) return next();
    const answer = processFinalSubmission(state, dir, site, bodyFields(req));
    answerSession(req, res);
    sendHtml(res, answer.status, site.resultPage(dir, answer) + crashScript(res));
  });
  app.post('/d/:slug/api/listings', fault('submit'), pace, (req, res, next) => {
    const dir = dirOf(res);
    const site = SITES[dir.layout];
    if (site.resultPage) return next();
    const answer = processFinalSubmission(state, dir, site, bodyFields(req));
    answerSession(req, res);
    // JSON cannot crash a renderer; the nearest thing is an answer lost after the listing was taken.
    if (res.locals.crash) return void res.socket?.destroy();
    res.status(answer.status).json({ ok: answer.ok, message: answer.message });
  });
  app.get('/d/:slug/listed', (req, res) => {
    const website = req.query.website;
    if (typeof website !== 'string') {
      res.status(400).json({ error: 'give exactly one website query parameter' });
      return;
    }
    res.json({ listed: state.isListed(dirOf(res).slug, website) });
  });
  return app;
}

const SESSION_COOKIE = 'sandbox-session';

function sessionOf(req: Request): string | undefined {
  return new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=(\\d+)`).exec(req.headers.cookie ?? '')?.[1];
}

function dirOf(res: Response): SiteDirectory {
  return res.locals.dir as SiteDirectory;
}

function crashScript(res: Response): string {
  return res.locals.crash ? CRASH_SCRIPT : '';
}

function sendHtml(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

/**
 * The string fields of a urlencoded or JSON body (repeated or non-string values are dropped).
 * HTML form submission sends every textarea newline as CRLF; turning that back into LF makes the
 * record match what was typed, as the spa's JSON body (from textarea.value) already does.
 */
function bodyFields(req: Request): Record<string, string> {
  const body: unknown = req.body;
  if (!body || typeof body !== 'object') return {};
  const formEncoded = Boolean(req.is('urlencoded'));
  return Object.fromEntries(
    Object.entries(body)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, value]) => [name, formEncoded ? value.replace(/\r\n/g, '\n') : value]),
  );
}
