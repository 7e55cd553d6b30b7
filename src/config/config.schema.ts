import { z } from 'zod';
import { CRASH_POINTS } from '../common/crash-point';
import { parseSecretsKey } from '../common/secret-box';
import { defaultConcurrency } from './cores';

/** Staff password hashes' scrypt cost N unless STAFF_PASSWORD_SCRYPT_N says more: 2^17, OWASP's floor. */
export const DEFAULT_SCRYPT_N = 2 ** 17;

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(' or ')}//`);

/** `http(s)://host[:port]` with nothing after it, normalised by URL (lower case, default port dropped). */
const originList = z
  .string()
  .transform((v, ctx) => {
    if (v.trim() === 'none') return [];
    const origins: string[] = [];
    for (const item of v.split(',').map((s) => s.trim()).filter(Boolean)) {
      let u: URL | undefined;
      try {
        u = new URL(item);
      } catch {
        // reported below
      }
      if (!u || !['http:', 'https:'].includes(u.protocol) || u.username || u.password || u.pathname !== '/' || u.search || u.hash) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin (http(s)://host[:port], nothing after it)` });
        return z.NEVER;
      }
      origins.push(u.origin);
    }
    return origins;
  });

/**
 * Every setting Boltline reads, with a default that works on a developer machine.
 * Keys are the environment variable names, so an error message names exactly what to fix.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/boltline'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  /**
   * A Redis Cluster instead of one Redis: some of its nodes as `host:port,host:port` (the client
   * finds the rest). REDIS_URL then gives only the credentials and TLS (rediss:).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const nodes = v.split(',').map((n) => n.trim());
      const bad = nodes.filter((n) => !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(n));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `host:port, comma-separated; not ${bad.join(', ')}` });
      return nodes.map((n) => ({ host: n.slice(0, n.lastIndexOf(':')).replace(/^\[|\]$/g, ''), port: Number(n.slice(n.lastIndexOf(':') + 1)) }));
    }),
  /** Prefix of every BullMQ key, so several deployments (or test files) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('boltline'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** Write the JSON log lines to this file instead of stdout. */
  LOG_FILE: z.string().optional(),
  /**
   * A worker's health server (GET /health/live and /health/ready, on HOST): its port. Unset, a
   * worker serves none; 0, a free port it logs.
   */
  WORKER_HTTP_PORT: int(0, 65535).optional(),
  /** When set, GET /metrics (API and workers) answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (openssl rand -hex 16)').optional(),
  /**
   * A worker with a free slot that takes none of the entries waiting in the queue for this long
   * reports itself not ready (its intake is wedged).
   */
  WORKER_STALL_MS: int(1000, 3_600_000).default(60_000),
  /** Submissions in flight per worker process; by default two per CPU it may use (cores.ts says why). */
  WORKER_CONCURRENCY: int(1, 64).default(defaultConcurrency),
  /** Unset: the engine's browser check looks for a distribution Chromium (src/engine/browser-check.ts). */
  CHROMIUM_PATH: z.string().min(1).optional(),
  /**
   * Chromium's own sandbox (namespaces + seccomp-bpf) around the pages it renders. `auto`: on when
   * the worker runs as an unprivileged user on a kernel that offers user namespaces, else off with
   * a warning saying why; `on`: the worker refuses to start without it; `off`: never (refused with
   * NODE_ENV=production unless CHROMIUM_ALLOW_UNSANDBOXED=true).
   */
  CHROMIUM_SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Lets a production worker run Chromium without its sandbox: someone decided to take that risk. */
  CHROMIUM_ALLOW_UNSANDBOXED: bool.default(false),
  /**
   * A worker whose browser failed (would not start, or died under a submission) this many times in
   * a row stops taking work and exits non-zero, saying why. Each of those submissions goes back to
   * the queue without spending an attempt, at most this many times per queue entry.
   */
  BROWSER_FAILURES_BEFORE_EXIT: int(1, 100).default(3),
  ARTIFACT_DIR: z.string().min(1).default('artifacts'),
  /**
   * Where screenshots are kept: `local` (under ARTIFACT_DIR, which the API and the workers then
   * share), or `s3` (an S3-compatible bucket; ARTIFACT_DIR is then only a worker's scratch space).
   */
  EVIDENCE_STORE: z.enum(['local', 's3']).default('local'),
  EVIDENCE_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  /** An S3-compatible service's address (MinIO, R2, …); unset, AWS's own for EVIDENCE_S3_REGION. */
  EVIDENCE_S3_ENDPOINT: url(['http:', 'https:']).optional(),
  EVIDENCE_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Buckets addressed as endpoint/bucket rather than bucket.endpoint (most S3-compatible services want it). */
  EVIDENCE_S3_PATH_STYLE: bool.default(false),
  /**
   * OpenTelemetry tracing, off unless one of these is set: an OTLP/HTTP collector's base address
   * (traces go to <it>/v1/traces), or the traces address itself. OTEL_EXPORTER_OTLP_HEADERS and
   * OTEL_SERVICE_NAME are read by the exporter and src/tracing as OpenTelemetry defines them.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http:', 'https:']).optional(),
  /** A worker replaces its Chromium after this many submissions. */
  BROWSER_RECYCLE_AFTER: int(1, 100_000).default(200),
  /** Attempts per directory submission (first try included). */
  SUBMIT_ATTEMPTS: int(1, 20).default(4),
  /** First backoff delay; BullMQ doubles it on every retry. */
  SUBMIT_BACKOFF_MS: int(0, 3_600_000).default(2000),
  /** Upper bound for one directory submission, browser work included. */
  SUBMIT_TIMEOUT_MS: int(1000, 600_000).default(45_000),
  /**
   * How long after recording `submitting` an attempt may still click submit. A worker that was
   * frozen longer (GC pause, SIGSTOP, a starved host) does not click; another attempt waits this
   * long, plus the time the click's answer may take, before it checks the directory.
   */
  SUBMIT_LEASE_MS: int(500, 600_000).default(5000),
  /** How long a worker owns a BullMQ job before another may take it over after a crash. */
  QUEUE_LOCK_MS: int(1000, 600_000).default(30_000),
  /**
   * How long a lease of the worker API (workers that hold only an API key) lasts without a
   * heartbeat; then the submission goes back to the queue and the lease's token opens nothing.
   */
  WORKER_LEASE_MS: int(2000, 600_000).default(60_000),
  /** Leases one worker API key may hold at once; a lease call past it is refused with 429. */
  WORKER_MAX_LEASES_PER_KEY: int(1, 10_000).default(20),
  /** How long a stopping worker lets in-flight submissions finish. */
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),
  /** New orders wait in `awaiting_approval` until staff approve them. */
  REQUIRE_APPROVAL: bool.default(false),
  /** Requests per API key per minute, counted in Redis across API replicas. */
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
  /** Requests with a missing or invalid key one client address may make per minute before 429. */
  AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000).default(20),
  /**
   * Orders an account may have open (awaiting approval, queued, running or paused) at once; one
   * more is refused with 429 until one finishes or is cancelled. Admin keys and staff are exempt.
   */
  MAX_OPEN_ORDERS_PER_ACCOUNT: int(1, 1_000_000).default(100),
  /** Event streams (GET /jobs/:id/events) one API key may hold open at once, over all API replicas; one more gets 429. */
  MAX_STREAMS_PER_KEY: int(1, 100_000).default(20),
  /** Event streams one client address may hold open at once, whatever the keys, over all API replicas. */
  MAX_STREAMS_PER_ADDRESS: int(1, 100_000).default(50),
  /**
   * How often each API replica checks that the holders of its open event streams (API keys, staff
   * sign-ins) are still valid, and ends the streams of those that are not. Revocations made
   * through the API or the keys/staff commands end streams at once; this catches the rest (an
   * expiry, a change made in SQL, a notice lost while Redis was away).
   */
  STREAM_RECHECK_MS: int(1000, 3_600_000).default(15_000),
  OUTBOX_POLL_MS: int(50, 60_000).default(1000),
  /**
   * Retention (src/retention): finished orders (completed or cancelled) are deleted with their
   * results, timeline and screenshots this many days after their last change. 0, the default,
   * keeps them: deleting is for an operator to turn on.
   */
  RETENTION_ORDER_DAYS: int(0, 36_500).default(0),
  /** Audit log entries are deleted after this many days; 0, the default, keeps them. */
  RETENTION_AUDIT_DAYS: int(0, 36_500).default(0),
  /** Outbox entries the relay has sent are deleted after this many days; 0 keeps them. Unsent ones never are. */
  RETENTION_OUTBOX_DAYS: int(0, 36_500).default(7),
  /** An Idempotency-Key is remembered this many days; a later request with it makes a new order. 0, the default: for ever. */
  IDEMPOTENCY_KEY_DAYS: int(0, 36_500).default(0),
  /** How often the fleet runs retention (one run per interval whatever the number of API replicas). */
  RETENTION_EVERY_MS: int(1000, 7 * 24 * 3_600_000).default(3_600_000),
  RECONCILE_INTERVAL_MS: int(1000, 3_600_000).default(60_000),
  /**
   * Seals directories' sign-in credentials (AES-256-GCM): 32 random bytes, base64 or hex
   * (`openssl rand -base64 32`). Required on the API and every worker once any credential is stored.
   */
  SECRETS_KEY: z
    .string()
    .refine((v) => parseSecretsKey(v) !== undefined, 'must be 32 random bytes in base64 (44 characters) or hex (64), e.g. openssl rand -base64 32')
    .optional(),
  /**
   * Attempts in a row that found one of a directory's targets missing before it pauses itself
   * (its rows wait, unspent, until staff resume it): a site redesign must not burn every
   * customer's attempts.
   */
  DIRECTORY_PAUSE_AFTER: int(1, 1000).default(5),
  /** Signs staff session cookies; the API requires it in production (else random per process start). */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  /** How long a staff sign-in lasts, at most, counted from the sign-in however busy the session. */
  STAFF_SESSION_HOURS: int(1, 24 * 30).default(8),
  /**
   * scrypt cost N of staff password hashes: a power of two, 128*N*8 bytes of memory per hash. Never
   * below the default (2^17) in production; tests may lower it to hash quickly. Hashes of a lower
   * cost are replaced at their owner's next sign-in.
   */
  STAFF_PASSWORD_SCRYPT_N: int(2 ** 10, 2 ** 20)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two (e.g. 131072 = 2^17)')
    .default(DEFAULT_SCRYPT_N),
  /**
   * Express's `trust proxy`: set it (e.g. `1`, or `loopback`) when a TLS-terminating proxy is in
   * front, so client addresses and the session cookie's Secure flag come out right.
   */
  TRUST_PROXY: z.string().optional(),
  /**
   * Catalogue origins the workers' egress proxy may reach although they resolve to loopback or
   * private addresses: directory sites run for development and tests. Comma-separated origins, or
   * `none` (the default). Refused with NODE_ENV=production.
   */
  EGRESS_PRIVATE_ORIGINS: originList.optional(),
  /** Comma-separated crash points (tests only, see CRASH_POINTS). */
  TEST_CRASH_AT: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(CRASH_POINTS, { message: `each must be one of ${CRASH_POINTS.join(', ')}` }))),
});

/**
 * The egress exemption exists for directory sites run locally in development and tests only: in
 * production a directory behind a private address is refused, whatever the environment says. Likewise a cheap password hash.
 */
const checkedSchema = configSchema
  .superRefine((c, ctx) => {
    if (c.EVIDENCE_STORE === 's3' && !c.EVIDENCE_S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['EVIDENCE_S3_BUCKET'], message: 'required with EVIDENCE_STORE=s3: the bucket screenshots go to' });
    }
    if (c.NODE_ENV === 'production' && c.EGRESS_PRIVATE_ORIGINS?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['EGRESS_PRIVATE_ORIGINS'],
        message: 'not allowed with NODE_ENV=production: production workers never reach loopback or private addresses (unset it)',
      });
    }
    if (c.NODE_ENV === 'production' && c.STAFF_PASSWORD_SCRYPT_N < DEFAULT_SCRYPT_N) {
      ctx.addIssue({
        code: 'custom',
        path: ['STAFF_PASSWORD_SCRYPT_N'],
        message: `must be at least ${DEFAULT_SCRYPT_N} (2^17) with NODE_ENV=production; lower costs are for tests only`,
      });
    }
    if (c.NODE_ENV === 'production' && c.CHROMIUM_SANDBOX === 'off' && !c.CHROMIUM_ALLOW_UNSANDBOXED) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHROMIUM_SANDBOX'],
        message:
          'off is refused with NODE_ENV=production: hostile pages would run in a process that holds database and Redis credentials. ' +
          'Use auto or on (run the worker as an unprivileged user with user namespaces), or set CHROMIUM_ALLOW_UNSANDBOXED=true to take that risk',
      });
    }
  })
  .transform((c) => ({
    ...c,
    EGRESS_PRIVATE_ORIGINS: c.EGRESS_PRIVATE_ORIGINS ?? [],
  }));

export type AppConfig = Readonly<z.infer<typeof checkedSchema>>;

/** Parses an environment; throws one error that lists every bad variable and why. */
export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = checkedSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  // A production build must never kill itself on a stray variable.
  if (config.NODE_ENV !== 'test') config.TEST_CRASH_AT = [];
  return Object.freeze(config);
}

let cached: AppConfig | undefined;

/** The process's configuration, read from the environment once. */
export function loadConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
