import { hostname } from 'node:os';

/**
 * This worker process's name in the fleet: its heartbeat's id (the dashboard's and `npm run
 * boltline -- fleet`'s), and the name its consumer's Redis connections carry, so that `CLIENT LIST`
 * and BullMQ's `getWorkers()` say which process holds a connection. Made once, when the module
 * loads: the processor's options, read by a decorator, need it before Nest has built anything.
 */
export const WORKER_ID = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
