import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_DIRECTORY_COUNT } from './catalogue';
import { DEFAULT_SLOW_MS } from './behaviour';
import { pageFaultSchema, type PageFault } from './page-faults';
import { sandboxApp } from './sandbox-app';
import { SandboxState, type FormSession, type ReceivedSubmission } from './sandbox-state';

export type { FormSession, ReceivedSubmission, SubmissionOutcome, SubmissionsSnapshot } from './sandbox-state';

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** How long slow directories take to answer. */
  slowMs?: number;
  /** How many directories (sandbox-0001..) exist; the catalogue lists 520. */
  directories?: number;
}

export interface SandboxHandle {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:4000 (the catalogue's baseUrl). */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Every final-step POST processed so far, oldest first. */
  received(): ReceivedSubmission[];
  /** Every visit to a form page, from opening to its final POST's answer, oldest first. */
  sessions(): FormSession[];
  /** Switches a page fault on for one directory, as PUT /_sandbox/faults/:slug does. */
  fault(slug: string, fault: PageFault): void;
}

/** Serves the sandbox directory sites until `close()`; all state lives in this process. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const { port = 0, host = '127.0.0.1', slowMs = DEFAULT_SLOW_MS, directories = SANDBOX_DIRECTORY_COUNT } = opts;
  const state = new SandboxState();
  const server = createServer(sandboxApp(state, { directories, slowMs }));
  server.listen(port, host);
  await once(server, 'listening');
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    received: () => state.all(),
    sessions: () => state.sessions(),
    fault: (slug, fault) => state.faults.set(slug, pageFaultSchema.parse(fault)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Browsers keep idle connections open, and a hanging page fault never answers: without
        // this close() would wait for them.
        server.closeAllConnections();
      }),
  };
}
