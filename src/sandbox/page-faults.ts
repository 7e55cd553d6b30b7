import type { RequestHandler, Response } from 'express';
import { z } from 'zod';

/**
 * Misbehaviour a test can switch on for one directory, on top of its fixed behaviour: the ways
 * real directory sites break that a worker has to survive.
 *
 *   hang     the request is never answered (until the client gives up)
 *   trickle  the page arrives a few bytes at a time, spread over `ms`
 *   error    HTTP 500, nothing recorded
 *   gone     HTTP 410, nothing recorded: a permanent error
 *   crash    the page crashes the browser's renderer (a stack overflow in layout); on `submit`
 *            the listing is recorded first, so the crash hides an accepted submission
 *
 * `on` picks the request: the first page (`form`) or the final POST (`submit`). `times` limits the
 * fault to the first n matching requests; without it the fault is permanent.
 */
export const PAGE_FAULTS = ['hang', 'trickle', 'error', 'gone', 'crash'] as const;

export const pageFaultSchema = z.strictObject({
  fault: z.enum(PAGE_FAULTS),
  on: z.enum(['form', 'submit']),
  times: z.number().int().positive().optional(),
  ms: z.number().int().positive().max(600_000).optional(),
});
export type PageFault = z.infer<typeof pageFaultSchema>;

/** Deep enough that Chromium's recursive layout overflows its stack: the renderer dies in < 1 s. */
export const CRASH_SCRIPT =
  '<script>let d=document.body;for(let i=0;i<300000;i++){const n=document.createElement("b");d.appendChild(n);d=n;}document.body.offsetHeight;</script>';

/** The faults switched on, by directory slug, with how many requests each has hit. */
export class PageFaults {
  private readonly rules = new Map<string, PageFault & { hits: number }>();

  set(slug: string, fault: PageFault): void {
    this.rules.set(slug, { ...fault, hits: 0 });
  }

  clear(): void {
    this.rules.clear();
  }

  /** The fault for this request, counting it as one hit, or undefined when none applies. */
  take(slug: string, on: PageFault['on']): PageFault | undefined {
    const rule = this.rules.get(slug);
    if (!rule || rule.on !== on || (rule.times !== undefined && rule.hits >= rule.times)) return undefined;
    rule.hits++;
    return rule;
  }

  /**
   * Middleware answering in the fault's place for hang, trickle, error and gone. A crash is left
   * to the route (res.locals.crash), which renders its page with CRASH_SCRIPT appended.
   */
  middleware(on: PageFault['on'], slugOf: (res: Response) => string): RequestHandler {
    return (_req, res, next) => {
      const fault = this.take(slugOf(res), on);
      if (!fault) return next();
      switch (fault.fault) {
        case 'hang':
          return; // the connection stays open; the server's close() ends it
        case 'error':
          res.status(500).type('html').send('<h1>Internal Server Error</h1>');
          return;
        case 'gone':
          res.status(410).type('html').send('<h1>This directory no longer accepts listings</h1>');
          return;
        case 'trickle':
          // Writes the route's page in small pieces over `ms` instead of all at once.
          trickle(res, fault.ms ?? 2000);
          return next();
        case 'crash':
          res.locals.crash = true;
          return next();
      }
    };
  }
}

function trickle(res: Response, ms: number): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (typeof body !== 'string') return send(body);
    res.setHeader('content-type', res.getHeader('content-type') ?? 'text/html; charset=utf-8');
    res.removeHeader('content-length');
    const pieces = Math.max(1, Math.ceil(body.length / 64));
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      res.write(body.slice(i * 64, ++i * 64));
      if (i >= pieces) {
        clearInterval(timer);
        res.end();
      }
    }, ms / pieces);
    return res;
  };
}
