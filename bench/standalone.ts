import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Figure, writeReport } from './report';
import { SANDBOX_DEFAULT_URL } from '../src/sandbox/catalogue';
import { REPEAT, startSandboxProcess } from './support';

/**
 * Runs one section of `npm run bench` on its own (`node dist/bench/<section>.js`), for working on
 * it: a sandbox process of its own (unless `sandbox: false`: a section that submits nothing), then
 * the section's table, written under a temporary directory.
 */
export function runAlone(section: (sandboxUrl: string) => Promise<Figure[]>, opts: { sandbox?: boolean } = {}): void {
  const main = async () => {
    const sandbox = opts.sandbox === false ? undefined : await startSandboxProcess();
    try {
      const figures = await section(sandbox?.url ?? SANDBOX_DEFAULT_URL);
      const dir = mkdtempSync(join(tmpdir(), 'boltline-bench-'));
      console.log(writeReport(dir, figures, REPEAT));
      console.log(`\nwritten to ${dir}`);
    } finally {
      await sandbox?.proc.kill('SIGTERM');
    }
  };
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
