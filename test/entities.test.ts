import { createTestDatabase, TestDatabase } from '../harness/database';
import { ALL_ENTITIES } from '../harness/entities';
import { Customer } from '../src/customers/customer.entity';
import { JobResult } from '../src/orders/job-result.entity';
import { Job } from '../src/orders/job.entity';
import { TEST_REDIS_URL, testQueuePrefix } from './support/queue';

/**
 * Each feature registers its own entities (`autoLoadEntities` + `forFeature`): a process whose
 * modules name no `forFeature` for an entity it reads compiles, and fails only at run time with
 * "No metadata for Job". This holds each process to the entities its code reads, without
 * starting it (seen failing with OrdersModule dropped from the worker's modules).
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('entities');
  Object.assign(process.env, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testQueuePrefix(), LOG_LEVEL: 'warn' });
});
afterAll(() => db?.drop());

/**
 * The entities a process's DataSource knows, its module compiled but not started (no processor,
 * no HTTP). In a module registry of its own: @nestjs/typeorm keeps what `forFeature` registered
 * in module state, so a module compiled earlier in this file would lend its entities.
 */
async function entitiesOf(load: () => Promise<{ module: unknown; notStarted?: unknown[] }>): Promise<string[]> {
  let names: string[] = [];
  await jest.isolateModulesAsync(async () => {
    const { module, notStarted = [] } = await load();
    const { Test } = await import('@nestjs/testing');
    const { DataSource } = await import('typeorm');
    const builder = Test.createTestingModule({ imports: [module as never] });
    for (const provider of notStarted) builder.overrideProvider(provider).useValue({});
    const compiled = await builder.compile();
    try {
      names = compiled.get(DataSource).entityMetadatas.map((m) => m.name).sort();
    } finally {
      await compiled.close();
    }
  });
  return names;
}

it('the API process knows every entity', async () => {
  const names = await entitiesOf(async () => ({ module: (await import('../src/app.module')).AppModule }));
  expect(names).toEqual(ALL_ENTITIES.map((e) => e.name).sort());
});

it('a worker process knows the entities it reads: the order, its rows and the customer', async () => {
  const names = await entitiesOf(async () => ({
    module: (await import('../src/worker.module')).WorkerModule,
    // No BullMQ consumer, no Chromium launched to check it, no credentials opened: only the wiring.
    notStarted: [(await import('../src/workers/submission.processor')).SubmissionProcessor, (await import('../src/engine/launch')).BROWSER_PLAN, 'SECRETS_KEY_CHECKED'],
  }));
  expect(names).toEqual(expect.arrayContaining([Job.name, JobResult.name, Customer.name]));
});
