/**
 * Unit specs live beside the code (src/**\/*.spec.ts); integration and end-to-end tests in test/.
 * ts-jest only transpiles (tsconfig's isolatedModules): `nest build` type-checks the whole tree first.
 *
 * Two projects, run by `npm test` (scripts/test.ts) one after the other:
 * - `light`: unit specs and tests with at most an in-process API, in parallel;
 * - `heavy`: tests that start worker processes, Chromium or servers of their own, one file at a
 *   time (`--runInBand`), so a 2-core machine never runs two of them side by side. Running them
 *   in parallel had load averages of 12 to 21 on 2 cores and orders that timed out.
 * A new test file that starts a worker or a browser belongs in test/support/heavy-suites.js.
 * @type {import('jest').Config}
 */
const HEAVY = require('./test/support/heavy-suites.js');

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const heavyPaths = HEAVY.map((f) => `<rootDir>/${f}`);
// Test files to leave out of both projects, comma-separated (.ci/run: the fault suite on the older
// Node majors). Jest's own --testPathIgnorePatterns would replace the light project's list below
// and run the heavy files in it, in parallel.
const SKIPPED = (process.env.TEST_SKIP_FILES ?? '').split(',').filter(Boolean).map((f) => `/${f.replace(/\./g, '\\.')}$`);

module.exports = {
  projects: [
    { ...common, displayName: 'light', testRegex: '.*\\.(spec|test)\\.ts$', testPathIgnorePatterns: ['/node_modules/', ...HEAVY.map((f) => `/${f.replace(/\./g, '\\.')}$`), ...SKIPPED] },
    { ...common, displayName: 'heavy', testMatch: heavyPaths, testPathIgnorePatterns: ['/node_modules/', ...SKIPPED], setupFilesAfterEnv: ['<rootDir>/test/support/heavy-setup.ts'] },
  ],
  // A light test waits on events with deadlines of its own; 120 s (more than two of them) only
  // stops a hung one. Heavy tests get a larger backstop (test/support/heavy-setup.ts).
  testTimeout: 120_000,
  maxWorkers: 2,
  // Every process's log lines go to one directory; the run ends by scanning them for secrets.
  globalSetup: '<rootDir>/test/support/log-scan.ts',
  globalTeardown: '<rootDir>/test/support/log-scan-teardown.ts',
};
