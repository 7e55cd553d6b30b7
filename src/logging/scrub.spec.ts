import { LOG_LIMITS, TRUNCATED } from './logging.constants';
import { cutAtTokenEnd, SCRUB_RULES, scrubSecrets, shortenLine } from './scrub';

const KEY = `bl_live_0123456789abcdef_${'x'.repeat(43)}`;
const EVENT_TOKEN = `eyJqIjoiNGU1ZjE2ZjAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIiwiZSI6MTd9.${'S'.repeat(43)}`;

describe('scrubSecrets', () => {
  it.each([
    ['an API key', `Bearer ${KEY} refused`, 'Bearer bl_live_0123456789abcdef_[redacted] refused'],
    ['what is left of an API key where a line was cut', `…${KEY.slice(0, 40)}`, '…bl_live_0123456789abcdef_[redacted]'],
    ['a password in a connection string', 'connect postgres://app:s3cr%40t@db:5432/boltline failed', 'connect postgres://app:[redacted]@db:5432/boltline failed'],
    ['a redis URL with user and password', 'redis://boltline:hunter2hunter2@redis:6379', 'redis://boltline:[redacted]@redis:6379'],
    ['a 2 KB password (an IAM token) in a connection string', `postgres://app:${'T'.repeat(2048)}@db/boltline`, 'postgres://app:[redacted]@db/boltline'],
    ['a password whose scheme is glued to other text', `connect${'x'.repeat(40)}postgres://app:hunter2@db failed`, `connect${'x'.repeat(40)}postgres://app:[redacted]@db failed`],
    ['a session cookie', 'cookie: boltline.sid=s%3Aabc.def; other=1', 'cookie: boltline.sid=[redacted]; other=1'],
    ['a password field in text', '{"email":"a@b.c","password":"correct horse"}', '{"email":"a@b.c","password":"[redacted]"}'],
    ['a password field escaped in a message', '{"msg":"body {\\"password\\":\\"correct horse\\"}"}', '{"msg":"body {\\"password\\":\\"[redacted]"}'],
    ['a form body', 'email=a%40b.c&password=hunter2&_csrf=x', 'email=a%40b.c&password=[redacted]&_csrf=[redacted]'],
    ['a password hash', 'hash scrypt$32768$8$1$c2FsdA==$aGFzaA==', 'hash scrypt$[redacted]'],
    ['an event token in a URL', `"url":"/api/v1/jobs/1/events?token=${EVENT_TOKEN}&x=1"`, '"url":"/api/v1/jobs/1/events?token=[redacted]&x=1"'],
    ['an event token anywhere', `token ${EVENT_TOKEN} refused`, `token ${EVENT_TOKEN.split('.')[0]}.[redacted] refused`],
    ['an API key and a session id in a URL', '/api/v1/jobs?page=2&api_key=abc&sid=s%3Adef&access_token=ghi', '/api/v1/jobs?page=2&api_key=[redacted]&sid=[redacted]&access_token=[redacted]'],
    ['a credential after a value with a question mark', '/x?next=/y?token=abc', '/x?next=/y?token=[redacted]'],
  ])('removes %s', (_, input, output) => {
    expect(scrubSecrets(input)).toBe(output);
  });

  it('leaves ordinary text alone', () => {
    for (const line of [
      'GET http://127.0.0.1:3000/api/v1/jobs 200 in 4 ms; user postgres@127.0.0.1',
      '{"req":{"url":"/api/v1/jobs?status=failed&sortKey=created&page=2"},"msg":"request completed"}',
      `{"msg":"${'a.'.repeat(2000)}"}`,
    ]) {
      expect(scrubSecrets(line)).toBe(line);
    }
  });
});

/**
 * How many characters each rule is applied to while `fn` runs: String.prototype.replace hands the
 * string to the pattern's Symbol.replace, which this wraps for the duration.
 */
function charsExamined(fn: () => void): number[] {
  const seen = SCRUB_RULES.map(() => 0);
  SCRUB_RULES.forEach(([re], i) =>
    Object.defineProperty(re, Symbol.replace, {
      configurable: true,
      value(this: RegExp, s: string, r: unknown) {
        seen[i] += s.length;
        return (RegExp.prototype[Symbol.replace] as (s: string, r: unknown) => string).call(this, s, r);
      },
    }),
  );
  try {
    fn();
  } finally {
    for (const [re] of SCRUB_RULES) delete (re as unknown as Record<symbol, unknown>)[Symbol.replace];
  }
  return seen;
}

/**
 * The scrubber runs on every log line, a request's URL among them, in the event loop. The time a
 * line costs is asserted without a clock (a test that times would pass or fail with the machine's
 * load): the patterns' work is linear in what they examine (their shape, below), and what they
 * examine is capped. The time itself is in bench/log-scrub.ts: 64 KB hostile URL, well under 10 ms.
 */
describe('the scrubber’s work is bounded', () => {
  const hostileLine = (size: number) => JSON.stringify({ level: 30, req: { method: 'GET', url: `/api/v1/health?${'a.'.repeat(size / 2)}` }, msg: 'request completed' });

  it('no pattern examines more than LOG_LIMITS.line characters of a line, however long the line', () => {
    const small = charsExamined(() => scrubSecrets(hostileLine(64 * 1024)));
    for (const n of small) expect(n).toBeLessThanOrEqual(LOG_LIMITS.line);
    const huge = charsExamined(() => scrubSecrets(hostileLine(1024 * 1024)));
    for (const n of huge) expect(n).toBeLessThanOrEqual(LOG_LIMITS.line);
    // The same work for 64 KB as for 1 MB, give or take the digits of the length noted in the
    // truncation mark: none of it grows with the input past the cap.
    huge.forEach((n, i) => expect(Math.abs(n - small[i])).toBeLessThanOrEqual(2));
  });

  it('every pattern has the shape that makes it linear: bounded runs, an unbounded one only at its end, no nested quantifiers', () => {
    for (const [re] of SCRUB_RULES) expect({ pattern: re.source, problems: shapeProblems(re.source) }).toEqual({ pattern: re.source, problems: [] });
  });

  it('the shape check finds the pattern that froze the API', () => {
    // Its scheme, user and password runs: each unbounded, each with more pattern after it.
    expect(shapeProblems(String.raw`\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@"]+):[^@\s/"]+@`)).toEqual([
      'unbounded quantifier before the end at 19',
      'unbounded quantifier before the end at 34',
      'unbounded quantifier before the end at 45',
    ]);
    expect(shapeProblems('(a+)+$')).toContain('nested quantifier at 4');
    expect(shapeProblems('[a-z]{1,5000}x')).toContain('bound 5000 over 1024 at 5');
  });
});

/**
 * What makes a backtracking pattern's work superlinear, read off its source: an unbounded
 * quantifier (`*`, `+`, `{n,}`) that something must still match after, a quantified group that
 * contains a quantifier, or a bound over 1024. Escapes and character classes are skipped.
 */
function shapeProblems(source: string): string[] {
  const problems: string[] = [];
  const groups: boolean[] = []; // per open group: does it contain a quantifier?
  let lastGroupHadQuantifier = false;
  const quantified = (at: number, max: number, afterGroup: boolean) => {
    if (afterGroup && lastGroupHadQuantifier) problems.push(`nested quantifier at ${at}`);
    if (max > 1024 && Number.isFinite(max)) problems.push(`bound ${max} over 1024 at ${at}`);
    if (!Number.isFinite(max) && !/^[)]*$/.test(source.slice(endOfQuantifier(source, at)))) problems.push(`unbounded quantifier before the end at ${at}`);
    if (groups.length) groups[groups.length - 1] = true;
  };
  let afterGroup = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const closedGroup = afterGroup;
    afterGroup = false;
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '(') {
      groups.push(false);
      if (source[i + 1] === '?') i += source[i + 2] === '<' && '=!'.includes(source[i + 3]) ? 3 : source[i + 2] === '<' ? source.indexOf('>', i) - i : 2;
    } else if (c === ')') {
      lastGroupHadQuantifier = groups.pop() ?? false;
      if (lastGroupHadQuantifier && groups.length) groups[groups.length - 1] = true;
      afterGroup = true;
    } else if (c === '*' || c === '+') quantified(i, Infinity, closedGroup);
    else if (c === '?') quantified(i, 1, closedGroup);
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m) quantified(i, m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]), closedGroup);
    }
  }
  return problems;
}

function endOfQuantifier(source: string, at: number): number {
  const end = source[at] === '{' ? source.indexOf('}', at) + 1 : at + 1;
  return source[end] === '?' ? end + 1 : end; // a lazy modifier
}

describe('shortenLine', () => {
  it('keeps a long line one JSON object, each long field cut and marked, under the limit', () => {
    const line = JSON.stringify({ level: 50, time: 1, msg: 'x '.repeat(50_000), err: { stack: 'y\n'.repeat(50_000) } }) + '\n';
    const out = shortenLine(line);
    expect(out.length).toBeLessThanOrEqual(LOG_LIMITS.line);
    expect(out.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(out);
    expect(parsed).toMatchObject({ level: 50, time: 1 });
    expect(parsed.msg).toContain(`${TRUNCATED} (100000 characters)`);
    expect(parsed.err.stack.length).toBeLessThanOrEqual(LOG_LIMITS.field + 40);
  });

  it('falls back to level, time and the start of the message when cutting fields is not enough', () => {
    const line = JSON.stringify({ level: 40, time: 2, pid: 3, msg: 'many fields', ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, 'v'.repeat(20)])) });
    const parsed = JSON.parse(shortenLine(line));
    expect(parsed).toEqual({ level: 40, time: 2, pid: 3, msg: `many fields${TRUNCATED}`, lineLength: line.length });
  });

  it('never leaves a secret half there where it cuts', () => {
    // A password in a URL, which the scrubber knows only by the `@` after it, cut in the middle:
    // the cut goes back to the token's start, so none of it is left.
    const text = 'word '.repeat(LOG_LIMITS.field).slice(0, LOG_LIMITS.field - 20) + 'postgres://app:hunter2hunter2@db/boltline failed';
    expect(cutAtTokenEnd(text, LOG_LIMITS.field)).toMatch(/postgres:\/\/app:$/);
    const out = scrubSecrets(JSON.stringify({ msg: text, stack: 'at x\n'.repeat(LOG_LIMITS.line) }));
    expect(out.length).toBeLessThanOrEqual(LOG_LIMITS.line);
    expect(out).toContain('postgres://app:');
    expect(out).not.toContain('hunt');
  });

  it('leaves no part of a password longer than a field where the cut falls inside it', () => {
    const password = 'P'.repeat(LOG_LIMITS.field * 2);
    const out = scrubSecrets(JSON.stringify({ msg: `connect postgres://app:${password}@db failed`, stack: 'at x\n'.repeat(LOG_LIMITS.line) }));
    expect(out).toContain('postgres://app:[redacted]');
    expect(out).not.toContain('PPPP');
  });
});
