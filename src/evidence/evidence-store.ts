import type { Readable } from 'node:stream';

/** A screenshot to send: its bytes as a stream, and what a client may cache it by. */
export interface Evidence {
  body: Readable;
  size?: number;
  etag?: string;
}

/**
 * Where screenshots are kept, for every process: the local directory (ARTIFACT_DIR, shared by the
 * API and the workers on one machine) or S3-compatible object storage (a fleet). A worker's browser
 * writes each screenshot to a file under ARTIFACT_DIR first; {@link keep} takes it from there.
 */
export interface EvidenceStore {
  /**
   * Keeps the screenshot in `file` (written by the browser at screenshotPathOf, under
   * ARTIFACT_DIR); resolves to what `job_results.screenshot_path` records and {@link open} understands.
   */
  keep(file: string): Promise<string>;
  /** The screenshot a recorded reference names, when it is one of ours and still there. */
  open(stored: string): Promise<Evidence | undefined>;
  /** Removes every screenshot of an order (retention); how many there were. Throws when it could not. */
  removeOrder(jobId: string): Promise<number>;
  /** Lets go of connections (at shutdown). */
  close?(): void;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');
