import { isCredentialName, LOG_LIMITS, REDACTED, TRUNCATED } from './logging.constants';

/**
 * Secrets that must never reach a log line, whatever shape they arrive in: API keys (the id is
 * kept, it names the key), passwords in URLs and in text, session cookies, password hashes,
 * credentials in query strings (event tokens, API keys, session ids) and event tokens' signatures.
 * Applied to every serialized line, after pino's path-based redaction of known fields.
 *
 * These patterns run on every line the processes write, some of it chosen by clients, so each one
 * does work linear in the line's length, by construction (scrub.spec.ts checks the shape):
 * - every quantifier has an upper bound, except a run that ends the pattern: such a run is
 *   greedy with nothing after it, so once it starts the match cannot fail or backtrack, and the
 *   next attempt starts after it;
 * - each bounded run is followed by a character its class excludes, so it ends in one place;
 * - an attempt starts at a literal (`bl_live_`, `scrypt$`, `?`/`&`) or, for the URL and event token
 *   rules, only at the start of a run of its characters (a lookbehind), so no two attempts scan
 *   the same run. The old URL rule started at every `\b` of `a.a.a.…` and scanned to the end of the
 *   run each time: 16 KB of that cost the event loop half a second.
 * And no line longer than LOG_LIMITS.line reaches them (shortenLine).
 */
export const SCRUB_RULES: ReadonlyArray<readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // An API key's secret, or what is left of it where a line was cut.
  [/\b(bl_live_[0-9a-f]{16}_)[A-Za-z0-9_-]{1,43}/g, '$1[redacted]'],
  // scheme://user:password@ (connection strings in error messages). An attempt starts only at a
  // `://`, and the password is the pattern's last, unbounded run (passwords can be kilobytes: IAM
  // tokens, JWTs), so no two attempts scan the same characters. It is a password when an `@`
  // follows it, or when the line was cut inside it (shortenLine), so no part of it is left.
  [
    /(:\/\/[^:/\s@"]{1,256}:)([^@\s/"]+)/g,
    (match, prefix: string, password: string, ...rest: unknown[]) => {
      const [offset, whole] = rest as [number, string];
      if (whole[offset + match.length] === '@') return `${prefix}${REDACTED}`;
      return password.includes(TRUNCATED) ? `${prefix}${REDACTED}${TRUNCATED}` : match;
    },
  ],
  [/(boltline\.sid=)[^;\s"&]+/g, '$1[redacted]'],
  // A JSON password field: to its closing quote. Escaped inside a string field (`\"password\":\"…`),
  // or cut off, to the end of the string that holds it.
  [/(\\?"password\\?"\s{0,8}:\s{0,8}\\?")(?:[^"\\]|\\.)*/gi, '$1[redacted]'],
  [/(\bpassword=)[^&\s"]+/gi, '$1[redacted]'],
  [/scrypt\$[0-9]{1,10}\$[^\s"']+/g, 'scrypt$[redacted]'],
  // A credential in a query string or form body: `?token=…`, `&api_key=…`, `&sid=…` (see CREDENTIAL_NAMES).
  [/([?&;])([A-Za-z0-9_.%-]{1,64})=([^&#?;\s"]+)/g, (match, sep: string, name: string) => (isCredentialName(name) ? `${sep}${name}=${REDACTED}` : match)],
  // An event token anywhere else (`<payload>.<signature>`, the payload base64url JSON): its signature.
  [/(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{1,1024}\.)[A-Za-z0-9_-]{1,64}/g, '$1[redacted]'],
];

export function scrubSecrets(line: string): string {
  let s = line.length > LOG_LIMITS.line ? shortenLine(line) : line;
  for (const [pattern, replacement] of SCRUB_RULES) s = typeof replacement === 'string' ? s.replace(pattern, replacement) : s.replace(pattern, replacement);
  return s;
}

/** Characters that end a token; a cut goes back to one, so no secret is left half there (and unrecognisable). */
const TOKEN_ENDS = new Set([' ', '\n', '\t', '"', "'", '/', '@', '&', '?', '=', ',', ';', ':', '(', ')', '<', '>', '[', ']', '{', '}']);
/** How far a cut may go back looking for one; a longer token is dropped from where the search gave up. */
const CUT_BACK = 1024;

/**
 * A line of at most LOG_LIMITS.line characters, still one JSON object: each string field longer
 * than LOG_LIMITS.field is cut and marked (`…[truncated]`, with its full length). Should that not
 * suffice (or the line not be JSON), the line's level, time, process and the start of its message.
 * Parsing and serializing are linear and run no pattern.
 */
export function shortenLine(line: string): string {
  const newline = line.endsWith('\n') ? '\n' : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object') {
    const shortened = JSON.stringify(shortenFields(parsed, 0));
    if (shortened.length + newline.length <= LOG_LIMITS.line) return shortened + newline;
  }
  const fields = (parsed ?? {}) as Record<string, unknown>;
  const meta = Object.fromEntries(
    ['level', 'time', 'pid', 'hostname', 'context'].map((k) => [k, typeof fields[k] === 'string' ? (fields[k] as string).slice(0, 256) : typeof fields[k] === 'number' ? fields[k] : undefined]),
  );
  // Escaping can make a string up to six times longer: this share keeps the result under the limit.
  const head = cutAtTokenEnd(typeof fields.msg === 'string' ? fields.msg : line, Math.floor(LOG_LIMITS.line / 8));
  return JSON.stringify({ ...meta, msg: `${head}${TRUNCATED}`, lineLength: line.length }) + newline;
}

function shortenFields(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > LOG_LIMITS.field ? `${cutAtTokenEnd(value, LOG_LIMITS.field)}${TRUNCATED} (${value.length} characters)` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 16) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => shortenFields(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shortenFields(v, depth + 1)]));
}

/** At most `max` characters of `s`, ending at a token's end (at most CUT_BACK characters back). */
export function cutAtTokenEnd(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  while (end > max - CUT_BACK && end > 0 && !TOKEN_ENDS.has(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Structured fields pino replaces with [Redacted] before serializing. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*._csrf',
];
