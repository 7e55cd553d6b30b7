import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './processes';
import { redisAnswers } from './redis-server';
import { waitFor } from './wait';

/** A Redis Cluster of a test's own on loopback: masters with one replica each. */
export interface RedisClusterHandle {
  /** `host:port,…` of every node, for REDIS_CLUSTER_NODES. */
  seeds: string;
  /** The port of the master that now serves `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): Promise<void>;
  /** Until every live node says the cluster is ok and `key`'s slot has a master other than `not`. */
  untilServed(key: string, not?: number): Promise<number>;
  stop(): Promise<void>;
}

/** The node's answer to one command, or undefined when it does not answer. */
async function ask(port: number, ...args: string[]): Promise<string | undefined> {
  const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  node.on('error', () => undefined);
  try {
    await node.connect();
    return String(await node.call(args[0], ...args.slice(1)));
  } catch {
    return undefined;
  } finally {
    node.disconnect();
  }
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'boltline-redis-cluster-'));
  const children = new Map<number, ChildProcess>();
  const ports: number[] = [];
  try {
    for (let i = 0; i < masters * 2; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      ports.push(port);
      children.set(port, spawn('redis-server', [
        '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
      ], { stdio: 'ignore' }));
    }
    for (const port of ports) await waitFor(`redis-server on ${port}`, () => redisAnswers(`redis://127.0.0.1:${port}`));
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
  } catch (err) {
    for (const child of children.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const alive = () => ports.filter((p) => children.get(p)?.exitCode === null && children.get(p)?.signalCode === null);
  const masterOf = async (key: string) => {
    const slot = Number(await ask(alive()[0], 'CLUSTER', 'KEYSLOT', key));
    const shards = (await ask(alive()[0], 'CLUSTER', 'NODES')) ?? '';
    for (const line of shards.split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      for (const range of ranges) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= from && slot <= to) return Number(address.split('@')[0].split(':')[1]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  };
  const handle: RedisClusterHandle = {
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    masterOf,
    async kill(port) {
      const child = children.get(port);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    untilServed: (key, not) =>
      waitFor(`the cluster to serve ${key}${not ? ` from a node other than ${not}` : ''}`, async () => {
        const states = await Promise.all(alive().map((p) => ask(p, 'CLUSTER', 'INFO')));
        if (!states.every((s) => s?.includes('cluster_state:ok'))) return undefined;
        const port = await masterOf(key).catch(() => undefined);
        return port !== undefined && port !== not ? port : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 }),
    async stop() {
      for (const port of ports) await handle.kill(port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.untilServed('boltline');
  // A replica that never synced with its master will not take over from it: wait for every link.
  await waitFor('every replica linked to its master', async () => {
    const roles = await Promise.all(ports.map((p) => ask(p, 'INFO', 'replication')));
    return roles.every((r) => r?.includes('role:master') || r?.includes('master_link_status:up')) ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  return handle;
}
