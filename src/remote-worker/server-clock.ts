/** Turns a time the server named (an ISO string) into this machine's epoch ms. */
export type ServerClock = (serverTime: string) => number;

/**
 * The server's times (a lease's expiry, the click's deadline) on this machine's clock. The two
 * clocks may differ by seconds, and the click window is a few seconds: a worker whose clock runs
 * behind would click after the server stopped expecting it. So the time left is measured on the
 * server's own clock, by the response's Date header, and counted from when the request was sent:
 * Date has whole seconds (the server's "now" was up to a second later) and the answer was made
 * after the request left, so the local time this yields is never later than the server meant.
 * Without a readable Date header the clocks are taken to agree.
 */
export function serverClock(sentAt: number, dateHeader: string | null): ServerClock {
  const serverNow = dateHeader ? Date.parse(dateHeader) : NaN;
  if (Number.isNaN(serverNow)) return (t) => Date.parse(t);
  return (t) => sentAt + (Date.parse(t) - (serverNow + 1000));
}
