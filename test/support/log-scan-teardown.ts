import { scanLogs } from './log-scan';

/** globalTeardown: the run fails if any process logged a secret. */
export default function teardown(): void {
  const dir = process.env.BOLTLINE_TEST_LOGS;
  if (!dir) return;
  const { files, lines, leaks } = scanLogs(dir);
  console.log(`\nLog scan: ${lines} lines in ${files} log files (${dir}), ${leaks.length} secrets found.`);
  if (leaks.length) throw new Error(`secrets in the logs:\n${leaks.slice(0, 50).join('\n')}`);
}
