/**
 * How much of anything reaches a log line. A request's URL and headers are the client's to choose
 * (a 64 KB query string costs nothing to send): they are cut to these sizes before they are
 * serialized, and every line is cut to `line` before the secret scrubber's patterns run on it, so
 * no log line costs more than a bounded amount of work whatever a client sends.
 */
export const LOG_LIMITS = {
  /** Characters of a request's URL (path and query string). */
  url: 2048,
  /** Characters of one request header's value. */
  headerValue: 512,
  /** Characters of one request header's name. */
  headerName: 64,
  /** Characters of all of a request's logged header names and values together; the rest are counted. */
  headers: 4096,
  /** Characters of one serialized log line that the scrubber examines; a longer line is shortened first. */
  line: 32 * 1024,
  /** Characters of one string field of a line that had to be shortened (a message, a stack). */
  field: 4096,
} as const;

/** Appended to whatever was cut short. */
export const TRUNCATED = '…[truncated]';

/** What a credential's value becomes in a URL or a header. */
export const REDACTED = '[redacted]';

/**
 * Names of query parameters and headers whose value is a credential. A name counts when it is one
 * of these or ends with one after `_`, `-` or `.`: `token`, `access_token`, `api_key`, `x-api-key`,
 * `boltline.sid`, `_csrf`. Event streams take their short-lived token as `?token=`; API keys and
 * session ids must never travel in URLs, but when a client sends them there they stay out of the logs.
 */
export const CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
  'token',
  'key',
  'apikey',
  'secret',
  'password',
  'passwd',
  'pwd',
  'sid',
  'session',
  'sessionid',
  'auth',
  'authorization',
  'cookie',
  'signature',
  'sig',
  'csrf',
  'credential',
  'credentials',
]);

/** Whether a query parameter or header of this name carries a credential (see CREDENTIAL_NAMES). */
export function isCredentialName(name: string): boolean {
  const lower = name.slice(0, LOG_LIMITS.headerName).toLowerCase();
  const last = Math.max(lower.lastIndexOf('_'), lower.lastIndexOf('-'), lower.lastIndexOf('.'));
  return CREDENTIAL_NAMES.has(lower) || CREDENTIAL_NAMES.has(lower.slice(last + 1));
}
