/**
 * Errors that mean "the database is not answering" rather than "this request is wrong": connection
 * failures (SQLSTATE class 08), shutdowns (57P0x), a database closed to new connections, too many
 * connections, cancelled-by-timeout statements, and the pg driver's own connect/read time-outs.
 * Also TypeORM's "query runner already released": a transaction whose connection the driver
 * dropped mid-way (a time-out, a server that ended the session) is a lost connection, not a fault
 * of the submission.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown; message?: unknown }; message?: unknown } | undefined;
  const name = (err as { name?: unknown } | undefined)?.name;
  if (name === 'QueryRunnerAlreadyReleasedError' || name === 'QueryRunnerProviderAlreadyReleasedError') return true;
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', '57014', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code)) return true;
  const message = String(e?.driverError?.message ?? e?.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Connection refused|is not currently accepting connections/i.test(message);
}
