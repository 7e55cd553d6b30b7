/**
 * The worker's log: one line per event on stdout (a lease started, a lease ended), problems on
 * stderr. Never the key, the lease's token, the customer's values or a directory's sign-in values:
 * only ids, names, statuses and the engine's (redacted) messages.
 */
export function say(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

export function warn(line: string): void {
  console.error(`${new Date().toISOString()} ${line}`);
}
