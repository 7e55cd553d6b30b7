/**
 * Test files that start API or worker processes, Chromium or a PostgreSQL of their own. jest.config.js runs
 * them one at a time; test/suites.test.ts fails when a file that starts one is missing here.
 */
module.exports = [
  'test/adapter-tools.test.ts',
  'test/adapter-forms.test.ts',
  'test/adapter-outcomes.test.ts',
  'test/browser.test.ts',
  'test/dashboard.test.ts',
  'test/demo.test.ts',
  'test/extension.test.ts',
  'test/faults.test.ts',
  'test/fleet.test.ts',
  'test/health.test.ts',
  'test/leases.test.ts',
  'test/logging.test.ts',
  'test/operator-cli.test.ts',
  'test/pipeline.e2e.test.ts',
  'test/politeness.test.ts',
  'test/redis-cluster.test.ts',
  'test/redis-fitness.test.ts',
  'test/remote-worker.test.ts',
  'test/sandbox-layouts.test.ts',
  'test/ssrf.test.ts',
  'test/staff.test.ts',
  'test/tracing.test.ts',
];
