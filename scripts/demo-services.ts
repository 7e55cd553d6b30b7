import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../src/config/config.schema';
import { dataSourceOptions } from '../src/database/data-source';
import { redisAnswers } from '../harness/redis-server';
import { ALL_ENTITIES } from '../harness/entities';

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

async function postgresUp(url: string): Promise<boolean> {
  const server = new URL(url);
  server.pathname = '/postgres';
  const c = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    // The demo's database may not exist yet on a fresh server: create it.
    const name = new URL(url).pathname.slice(1);
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure PostgreSQL and Redis answer (starting them with Docker Compose when Docker is there),
 * then applies the migrations. Returns an initialised DataSource.
 */
export async function prepareServices(config: AppConfig): Promise<DataSource> {
  let pg = await postgresUp(config.DATABASE_URL);
  let redis = await redisAnswers(config.REDIS_URL);
  if ((!pg || !redis) && dockerAvailable()) {
    console.log('starting PostgreSQL and Redis with `docker compose up -d postgres redis`...');
    execFileSync('docker', ['compose', 'up', '-d', '--wait', 'postgres', 'redis'], { stdio: 'inherit' });
    pg = await postgresUp(config.DATABASE_URL);
    redis = await redisAnswers(config.REDIS_URL);
  }
  const missing = [
    !pg && `PostgreSQL did not answer at ${redact(config.DATABASE_URL)} (DATABASE_URL). Start it, e.g. \`pg_ctlcluster 15 main start\` or \`docker compose up -d postgres\`.`,
    !redis && `Redis did not answer at ${redact(config.REDIS_URL)} (REDIS_URL). Start it, e.g. \`redis-server --daemonize yes\` or \`docker compose up -d redis\`.`,
  ].filter(Boolean);
  if (missing.length) throw new Error(`\n  ${missing.join('\n  ')}`);

  const ds = new DataSource(dataSourceOptions(config.DATABASE_URL, 'admin', ALL_ENTITIES));
  await ds.initialize();
  const applied = await ds.runMigrations();
  console.log(`database ready (${applied.length} migration(s) applied)`);
  return ds;
}
