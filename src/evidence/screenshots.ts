import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Evidence } from './evidence-store';
import { realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { sendProblem } from '../common/problem-types';

/** Where an attempt's screenshot is kept: one file per directory and attempt under the order's folder. */
export function screenshotPathOf(artifactDir: string, ctx: { jobId: string; attempt: number; directory: { id: string } }): string {
  return join(evidenceFolderOf(artifactDir, ctx.jobId), `${ctx.directory.id}-attempt${ctx.attempt}.png`);
}

/** The folder of every screenshot of an order (removed with the order by retention). */
export function evidenceFolderOf(artifactDir: string, jobId: string): string {
  return join(artifactDir, jobId);
}

/**
 * The file a result's stored screenshot path names, if it may be served: a `.png` that exists
 * under ARTIFACT_DIR once every symlink is resolved. Anything else (a path outside it, `..`
 * steps, a link leading out, a file gone since) is undefined, whatever the row says.
 */
export async function screenshotFile(artifactDir: string, stored: string | null | undefined): Promise<string | undefined> {
  if (!stored || extname(stored).toLowerCase() !== '.png') return undefined;
  try {
    const [root, file] = await Promise.all([realpath(artifactDir), realpath(stored)]);
    return file.startsWith(root + sep) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends a screenshot found by {@link screenshotFile} as image/png. `no-cache`: a row's link
 * shows its latest attempt's screenshot, which a retry replaces; the ETag makes rechecking cheap.
 */
export function sendScreenshot(res: Response, file: string, what: string): void {
  res.setHeader('Content-Type', 'image/png');
  // dotfiles: the path was checked (screenshotFile); an ARTIFACT_DIR under a dot folder is fine.
  res.sendFile(file, { dotfiles: 'allow', headers: { 'Cache-Control': 'private, no-cache', 'X-Content-Type-Options': 'nosniff' } }, (err) => {
    if (err && !res.headersSent) {
      sendProblem(res, 'not-found', `the screenshot of ${what} is no longer on disk`);
    }
  });
}

/**
 * Sends a screenshot from the evidence store as image/png, as {@link sendScreenshot} does a file:
 * `no-cache` with its ETag, so rechecking costs a 304.
 */
export function sendEvidence(req: Request, res: Response, evidence: Evidence): void {
  res.setHeader('Content-Type', 'image/png');
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (evidence.etag) res.setHeader('ETag', evidence.etag);
  if (evidence.etag && req.headers['if-none-match'] === evidence.etag) {
    evidence.body.destroy();
    res.status(304).end();
    return;
  }
  if (evidence.size !== undefined) res.setHeader('Content-Length', String(evidence.size));
  pipeline(evidence.body, res).catch(() => res.destroy());
}
