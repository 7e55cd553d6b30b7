import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, freePort } from './processes';

/** A throw-away PostgreSQL cluster of a test's own, which it may stop, kill and restart. */
export interface PostgresServer {
  url: string;
  stop(): void;
  start(): void;
  /** SIGKILL the postmaster (and so every backend). */
  kill(): void;
  /** SIGSTOP the postmaster and every backend: connections stay open and nothing answers. */
  pause(): void;
  resume(): void;
  destroy(): void;
}

function binDir(): string {
  const versions = execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').sort((a, b) => parseFloat(a) - parseFloat(b));
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
}

/** initdb and pg_ctl refuse to run as root: run them as the postgres user then. */
function run(cmd: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
}

/** A backend may exit between listing and signalling it. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'boltline-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  const start = () => run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  start();
  const pid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    kill: () => process.kill(pid(), 'SIGKILL'),
    // Backends first on pause, postmaster first on resume, so no backend sees its parent stopped.
    pause: () => [...descendants(pid()), pid()].forEach((p) => signal(p, 'SIGSTOP')),
    resume: () => [pid(), ...descendants(pid())].forEach((p) => signal(p, 'SIGCONT')),
    destroy: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
