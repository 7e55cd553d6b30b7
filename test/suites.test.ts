import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm test` runs the heavy suites one at a time (jest.config.js). A test file that starts an API or
 * worker process, a Chromium or a PostgreSQL of its own but is not listed as heavy would run beside
 * another heavy one and load the machine past what its deadlines were set for.
 */
const HEAVY: string[] = require('./support/heavy-suites.js');
// The adapter tools' suggest and try commands, run as child processes: each launches a Chromium of its own.
const STARTS_SOMETHING_HEAVY =
  /\b(startWorker|startRemoteWorker|startApi|startProcess|startPostgres|startDemo)\(|\bchromium\.launch\(|new ChromiumService\(|FaultHarness\.start\(|Stack\.start\(|\bdirectories\(\['(suggest|try)'/;

it('lists every test file that starts an API or worker process, Chromium or PostgreSQL as heavy, and no other', () => {
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.ts'));
  const heavy = files.filter((f) => STARTS_SOMETHING_HEAVY.test(readFileSync(join(__dirname, f), 'utf8'))).map((f) => `test/${f}`);
  expect(heavy.sort()).toEqual([...HEAVY].sort());
});
