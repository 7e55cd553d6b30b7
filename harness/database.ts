import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { ALL_ENTITIES } from './entities';

/** The server tests and benchmarks create their databases on; override with TEST_DATABASE_URL. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A scratch database of its own for one test file or benchmark, migrated with the real migrations,
 * so test files can run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(kind = 'test', adminUrl = ADMIN_DATABASE_URL): Promise<TestDatabase> {
  const name = `boltline_${kind}_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = new DataSource(dataSourceOptions(url.toString(), 'admin', ALL_ENTITIES));
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    url: url.toString(),
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
