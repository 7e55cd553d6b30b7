import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { createApiKey } from '../../src/auth/api-keys.service';
import type { CustomerField } from '../../src/customers/customer-fields';
import { importSandboxCatalogue } from '../../src/sandbox/catalogue';
import { createTestDatabase, TestDatabase } from '../../harness/database';
import { openSubmissionQueue, TEST_REDIS_URL, testQueuePrefix } from './queue';
import { maintenanceQueue } from './maintenance';

export interface ApiHarness {
  app: INestApplication;
  db: TestDatabase;
  /** An admin API key (Bearer token) made for this test file. */
  adminKey: string;
  queue: ReturnType<typeof openSubmissionQueue>;
  /**
   * Another API replica in this process: an app of its own (its own live hub, open streams and
   * Redis connections) on the same database, Redis prefix and configuration. Closed with the harness.
   */
  replica(): Promise<INestApplication>;
  /** Stops a replica before the rest, as a rolling deploy does. */
  stopReplica(replica: INestApplication): Promise<void>;
  close(): Promise<void>;
}

/**
 * The API in this process against a database and queue prefix of this test file's own. The
 * environment is set before the app's modules are loaded, since config is read once per process.
 */
export async function startApiInProcess(env: Record<string, string> = {}, sandboxUrl = 'http://127.0.0.1:4999'): Promise<ApiHarness> {
  const db = await createTestDatabase();
  await importSandboxCatalogue(db.dataSource.manager, sandboxUrl);
  const prefix = testQueuePrefix();
  // Logs go to a file for the log scan that ends the run (test/support/log-scan.ts), not into jest's output.
  const logFile = process.env.BOLTLINE_TEST_LOGS ? join(process.env.BOLTLINE_TEST_LOGS, `${prefix}.log`) : undefined;
  Object.assign(process.env, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', LOG_FILE: logFile, ...env });
  const { createHttpApp } = await import('../../src/http-app');
  const app = await createHttpApp();
  await app.init();
  const queue = openSubmissionQueue(prefix);
  const { token: adminKey } = await createApiKey(db.dataSource.manager, { name: 'tests', scopes: ['admin'] });
  const replicas: INestApplication[] = [];
  return {
    app,
    db,
    adminKey,
    queue,
    async replica() {
      const other = await createHttpApp();
      await other.init();
      replicas.push(other);
      return other;
    },
    async stopReplica(other) {
      replicas.splice(replicas.indexOf(other), 1);
      await other.close();
    },
    async close() {
      for (const other of replicas) await other.close();
      await app.close();
      await queue.close();
      // The API's maintenance queue and its retention schedule go with the test's prefix.
      const maintenance = maintenanceQueue(prefix);
      await maintenance.obliterate({ force: true }).catch(() => undefined);
      await maintenance.close();
      await db.drop();
    },
  };
}

export const CUSTOMER = {
  businessName: 'Blue Door Bakery',
  email: 'hello@bluedoor.example',
  phone: '+1 512 555 0100',
  website: 'https://bluedoor.example',
  address: '12 Main Street',
  city: 'Austin',
  state: 'TX',
  zip: '78701',
  country: 'US',
  category: 'Restaurant',
  description: 'Sourdough and coffee since 1998.',
} satisfies Record<CustomerField, string>;
