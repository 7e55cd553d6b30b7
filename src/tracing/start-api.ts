import { startTracing } from './tracing';

/**
 * Imported first by the api's entry point (src/main.ts), before anything loads express, pg or ioredis,
 * which the instrumentations patch as they are first required. Undefined when tracing is off.
 */
export const tracing = startTracing('boltline-api');
