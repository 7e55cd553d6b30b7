import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a leaked secret looks like in a log line: an API key's secret part, a password in a URL,
 * a session cookie's value, a password hash, a password field with a value, an event token or a
 * credential in a query string (`?token=`, `&api_key=`, `&sid=`). The scrubbed forms (`[redacted]`,
 * `[Redacted]`) do not match. Patterns start at a literal or at the start of a run, and their runs
 * are bounded, so a long line (a hostile URL) costs the scan linear time.
 */
/** Tests give directory credentials values that start with this, so the scan can find them anywhere. */
export const CREDENTIAL_MARKER = 'bl-test-credential-';

const LEAKS: Array<[string, RegExp]> = [
  ['directory credential', new RegExp(CREDENTIAL_MARKER)],
  ['API key', /bl_live_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/],
  ['password in a URL', /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^:/\s@"]{1,256}:(?!\[redacted\])[^@\s/"]{1,256}@/i],
  ['session cookie', /boltline\.sid=s%3A/],
  ['password hash', /scrypt\$\d+\$/],
  ['password field', /\\?"password\\?"\s{0,8}:\s{0,8}\\?"(?!\[redacted\]|\[Redacted\])/i],
  ['event token', /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,1024}\.[A-Za-z0-9_-]{43}/],
  ['credential in a query string', /[?&;](?:[A-Za-z0-9.%-]{0,64}[_.-])?(?:token|key|apikey|secret|password|sid|session|sessionid)=(?!\[redacted\])[^&#\s"]/i],
];

/** globalSetup: one directory for every log line the run writes. */
export default function setup(): void {
  process.env.BOLTLINE_TEST_LOGS = mkdtempSync(join(tmpdir(), 'boltline-test-logs-'));
}

/** Every line of every log in `dir` that looks like a leaked secret. */
export function scanLogs(dir: string): { files: number; lines: number; leaks: string[] } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
  let lines = 0;
  const leaks: string[] = [];
  for (const file of files) {
    for (const [n, line] of readFileSync(join(dir, file), 'utf8').split('\n').entries()) {
      lines++;
      for (const [what, pattern] of LEAKS) if (pattern.test(line)) leaks.push(`${file}:${n + 1}: ${what}`);
    }
  }
  return { files: files.length, lines, leaks };
}
