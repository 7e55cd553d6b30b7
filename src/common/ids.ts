const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An order, customer or other UUID id, as PostgreSQL's uuid type takes it. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** A `job_results` id (bigint), as text. */
export const isRowId = (value: unknown): value is string => typeof value === 'string' && /^\d{1,19}$/.test(value);
