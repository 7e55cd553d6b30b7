/**
 * Unit specs live beside the code (src/**\/*.spec.ts); integration and end-to-end tests in test/.
 * ts-jest only transpiles (tsconfig's isolatedModules): `nest build` type-checks the whole tree first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|test)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  maxWorkers: 2,
  // Every process's log lines go to one directory; the run ends by scanning them for secrets.
  globalSetup: '<rootDir>/test/support/log-scan.ts',
  globalTeardown: '<rootDir>/test/support/log-scan-teardown.ts',
};
