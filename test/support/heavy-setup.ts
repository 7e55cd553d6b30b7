/**
 * The heavy project's per-test bound (jest reads `testTimeout` only from the global config). A
 * backstop only: each wait in a heavy test has its own deadline (deadlines.ts) and says what
 * stalled. 20 minutes is above what a test's deadlines add up to, the full fault suite's
 * 90-directory orders included, so one of those fires first.
 */
jest.setTimeout(20 * 60_000);
