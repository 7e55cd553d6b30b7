import { ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../src/queue/redis-options';
import { freePort } from './processes';
import { waitFor } from './wait';

/** The shared Redis the tests use (each file under a queue prefix of its own). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A redis-server of a test's own, which it may flush, kill, pause and restart. */
export interface RedisServer {
  url: string;
  port: number;
  client(): Redis;
  kill(signal?: NodeJS.Signals): Promise<void>;
  pause(): void;
  resume(): void;
  /** Starts the server again on the same port (empty: it keeps nothing on disk). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a Redis answers PING at this URL right now (one try, no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis({ ...redisOptionsFromUrl(url, 'producer'), lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined); // the answer is the boolean; ioredis would print it as unhandled
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const clients: Redis[] = [];

  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
      stdio: 'ignore',
    });
    await waitFor(`redis-server on ${port}`, () => redisAnswers(url));
  };
  await launch();

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return {
    url,
    port,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    },
    kill,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      clients.forEach((c) => c.disconnect());
      child.kill('SIGCONT');
      await kill('SIGTERM');
    },
  };
}
