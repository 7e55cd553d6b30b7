import { QueryFailedError } from 'typeorm';

/** PostgreSQL SQLSTATE codes Boltline reacts to. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export function pgErrorCode(err: unknown): string | undefined {
  if (err instanceof QueryFailedError) return (err.driverError as { code?: string }).code;
  return undefined;
}
