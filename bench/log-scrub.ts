import { cpus } from 'node:os';
import pino from 'pino';
import { LOG_LIMITS } from '../src/logging/logging.constants';
import { requestForLog } from '../src/logging/request-log';
import { REDACT_PATHS, scrubSecrets } from '../src/logging/scrub';

/**
 * `npm run build && node dist/bench/log-scrub.js`: what one request's log line costs the event loop
 * when its URL is hostile. The line goes through pino as the API's logger is set up (request
 * serializer, redaction, the scrubber on the serialized line) into a stream that drops it.
 * Target: well under 10 ms for a 64 KB URL. BENCH_RUNS (200) runs of each input.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const KB = 1024;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(3)} ms, max ${s[s.length - 1].toFixed(3)} ms`;
};

function time(fn: () => void, runs = RUNS): number[] {
  fn(); // warm up: compile the patterns and the serializers
  return Array.from({ length: runs }, () => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  });
}

const logger = pino(
  { serializers: { req: requestForLog }, redact: REDACT_PATHS, hooks: { streamWrite: scrubSecrets } },
  { write: () => undefined },
);
const request = (url: string) => ({ id: 1, method: 'GET', url, headers: { host: '127.0.0.1:3000', 'user-agent': 'bench', accept: '*/*' }, remoteAddress: '127.0.0.1', remotePort: 50000 });
const logRequest = (url: string) => () => logger.info({ req: request(url), res: { statusCode: 200 }, responseTime: 1 }, 'request completed');

/** Input that made the scrubber's old patterns backtrack, one kind per rule, and ordinary text of the same size. */
const hostile = (size: number): Record<string, string> => ({
  'a.a.a.… (the URL rule)': 'a.'.repeat(size / 2),
  'a://a://… (the URL rule)': 'a://'.repeat(size / 4),
  'eyJeyJ… (the event token rule)': 'eyJ'.repeat(size / 3),
  '&&&… (the query rule)': '&a'.repeat(size / 2),
  'bl_live_… (the API key rule)': 'bl_live_'.repeat(size / 8),
  'ordinary text': 'The quick brown fox jumps over the lazy dog. '.repeat(size / 45),
});

/** The rule this replaced, for comparison: it scanned to the end of `a.a.a.…` from every word boundary. */
const OLD_URL_RULE = /\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@"]+):[^@\s/"]+@/gi;

console.log(`\nBoltline log scrub bench, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, node ${process.version}, ${RUNS} runs each`);
console.log('| input | time |\n|---|---|');
console.log(`| request log line, 64 KB hostile URL (/api/v1/health?a.a.a.…) | ${stats(time(logRequest(`/api/v1/health?${'a.'.repeat(32 * KB)}`)))} |`);
console.log(`| request log line, 1 MB hostile URL | ${stats(time(logRequest(`/api/v1/health?${'a.'.repeat(512 * KB)}`)))} |`);
console.log(`| request log line, ordinary URL | ${stats(time(logRequest('/api/v1/jobs?status=failed&page=2')))} |`);
// Just under LOG_LIMITS.line: the most any pattern examines (a longer line is shortened first).
for (const [what, text] of Object.entries(hostile(LOG_LIMITS.line - 64))) {
  const line = JSON.stringify({ level: 50, msg: text });
  console.log(`| scrubSecrets, ${(line.length / KB).toFixed(0)} KB line of ${what} | ${stats(time(() => scrubSecrets(line)))} |`);
}
const long = JSON.stringify({ level: 50, msg: 'a.'.repeat(512 * KB) });
console.log(`| scrubSecrets, 1 MB line of a.a.a.… (shortened first) | ${stats(time(() => scrubSecrets(long)))} |`);
const old = `{"msg":"${'a.'.repeat(8 * KB)}"}`;
console.log(`| before: the old URL rule alone, 16 KB of a.a.a.… | ${stats(time(() => old.replace(OLD_URL_RULE, '$1:[redacted]@'), 5))} |`);
