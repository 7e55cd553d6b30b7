/**
 * The heavy project's per-test bound (jest reads `testTimeout` only from the global config). A
 * backstop only: each wait in a heavy test has its own deadline (deadlines.ts) and says what
 * stalled, and those add up to more than the 60 s the light tests get.
 */
jest.setTimeout(600_000);
