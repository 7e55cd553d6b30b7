/**
 * One line of what happened during an attempt, as kept in `response_log`. Here rather than beside
 * the entity so that the adapter engine (src/engine), which writes these lines, needs nothing of
 * the ledger and can run in a host without a database.
 */
export interface ResponseLogEntry {
  at: string;
  attempt: number;
  event: string;
  detail?: string;
}
