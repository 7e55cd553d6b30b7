const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An order, customer or other UUID id, as PostgreSQL's uuid type takes it. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A `job_results` id (bigint), as text. */
export const isRowId = (value: unknown): value is string => typeof value === 'string' && /^\d{1,19}$/.test(value);

/** A directory's id, as the catalogue names them (`acme-listings`): it appears in URLs, file names and logs. */
export const DIRECTORY_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const isDirectoryId = (value: unknown): value is string => typeof value === 'string' && DIRECTORY_ID.test(value);
