import { startTracing } from './tracing';

/**
 * Imported first by the worker's entry point (src/worker.ts), before anything loads express, pg or ioredis,
 * which the instrumentations patch as they are first required. Undefined when tracing is off.
 */
export const tracing = startTracing('boltline-worker');
