/**
 * Secrets that must never reach a log line, whatever shape they arrive in: API keys (the id is
 * kept, it names the key), passwords in URLs and in text, session cookies, password hashes.
 * Applied to every serialized line, after pino's path-based redaction of known fields.
 */
const RULES: Array<[RegExp, string]> = [
  [/\b(bl_live_[0-9a-f]{16}_)[A-Za-z0-9_-]{43}/g, '$1[redacted]'],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@"]+):[^@\s/"]+@/gi, '$1:[redacted]@'],
  [/(boltline\.sid=)[^;\s"]+/g, '$1[redacted]'],
  [/("password"\s*:\s*")(?:[^"\\]|\\.)*"/gi, '$1[redacted]"'],
  [/(\bpassword=)[^&\s"]+/gi, '$1[redacted]'],
  [/scrypt\$[0-9]+\$[^\s"']+/g, 'scrypt$[redacted]'],
];

export function scrubSecrets(line: string): string {
  return RULES.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), line);
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
