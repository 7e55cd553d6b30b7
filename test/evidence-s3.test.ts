import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import request from 'supertest';
import { screenshotPathOf } from '../src/evidence/screenshots';
import { ResultsService } from '../src/results/results.service';
import { RetentionService } from '../src/retention/retention.service';
import { ApiHarness, CUSTOMER, startApiInProcess } from './support/api-app';
import { PNG_1X1 } from './support/images';
import { afterFirstScheduledRun } from './support/maintenance';

/**
 * Screenshots in S3-compatible object storage (EVIDENCE_STORE=s3), against a real S3 server
 * started here (s3rver, on loopback): an attempt's screenshot is uploaded and its local copy
 * removed, the API serves it from the bucket, retention deletes it, and a reference to anything
 * but the bucket's own keys is never served.
 */
const BUCKET = 'boltline-evidence';
const scratch = mkdtempSync(join(tmpdir(), 'boltline-s3-'));
const artifacts = join(scratch, 'artifacts');
let server: S3rver;
let endpoint: string;
let s3: S3Client;
let h: ApiHarness;
let http: ReturnType<typeof request.agent>;
let customerId: string;

beforeAll(async () => {
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  // s3rver's own credentials; the API's S3 client finds them where the AWS SDK looks (the environment).
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  h = await startApiInProcess({
    ARTIFACT_DIR: artifacts,
    EVIDENCE_STORE: 's3',
    EVIDENCE_S3_BUCKET: BUCKET,
    EVIDENCE_S3_ENDPOINT: endpoint,
    EVIDENCE_S3_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    RETENTION_ORDER_DAYS: '30',
    RECONCILE_INTERVAL_MS: '3600000',
  });
  http = request.agent(h.app.getHttpServer()).set('authorization', `Bearer ${h.adminKey}`);
  customerId = (await http.post('/api/v1/customers').send(CUSTOMER).expect(201)).body.id;
  await afterFirstScheduledRun(process.env.QUEUE_PREFIX as string);
});
afterAll(async () => {
  await h?.close();
  s3?.destroy();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const sql = (text: string, params: unknown[] = []) => h.db.dataSource.query(text, params);

/** An order of one directory whose attempt ended `submitted` with a screenshot the browser wrote; the file's path. */
async function submittedWithScreenshot(): Promise<{ jobId: string; file: string }> {
  const { id: jobId } = (await http.post('/api/v1/jobs').send({ customerId, directoryIds: ['sandbox-0001'] }).expect(201)).body;
  const [row] = await sql(`SELECT id::text, generation FROM job_results WHERE job_id = $1`, [jobId]);
  const results = h.app.get(ResultsService);
  const claimed = await results.claim(row.id, row.generation, 0);
  if (claimed.kind !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(claimed)}`);
  const file = screenshotPathOf(artifacts, claimed.ctx);
  mkdirSync(join(artifacts, jobId), { recursive: true });
  writeFileSync(file, PNG_1X1);
  expect(await results.finish(claimed.ctx, { status: 'submitted', log: [], durationMs: 5, screenshotPath: file })).toBe(true);
  return { jobId, file };
}

it('uploads an attempt\'s screenshot, removes the local copy, and serves it from the bucket', async () => {
  const { jobId, file } = await submittedWithScreenshot();
  const [{ screenshot_path }] = await sql(`SELECT screenshot_path FROM job_results WHERE job_id = $1`, [jobId]);
  expect(screenshot_path).toBe(`s3://${BUCKET}/${jobId}/sandbox-0001-attempt1.png`);
  expect(existsSync(file)).toBe(false);
  const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${jobId}/sandbox-0001-attempt1.png` }));
  expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(PNG_1X1);

  const shot = await http.get(`/api/v1/jobs/${jobId}/results/sandbox-0001/screenshot`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  }).expect(200);
  expect(shot.headers['content-type']).toBe('image/png');
  expect(shot.body).toEqual(PNG_1X1);
  expect(shot.headers.etag).toBeTruthy();
  await http.get(`/api/v1/jobs/${jobId}/results/sandbox-0001/screenshot`).set('if-none-match', shot.headers.etag).expect(304);
});

it('serves nothing a row names outside the bucket\'s own keys', async () => {
  const { jobId } = await submittedWithScreenshot();
  for (const elsewhere of [`s3://other-bucket/${jobId}/sandbox-0001-attempt1.png`, `s3://${BUCKET}/../secret.png`, `s3://${BUCKET}/${jobId}/`, '/etc/passwd']) {
    await sql(`UPDATE job_results SET screenshot_path = $2 WHERE job_id = $1`, [jobId, elsewhere]);
    await http.get(`/api/v1/jobs/${jobId}/results/sandbox-0001/screenshot`).expect(404);
  }
});

it('deletes an order\'s screenshots from the bucket with the order (retention)', async () => {
  const { jobId } = await submittedWithScreenshot();
  const key = `${jobId}/sandbox-0001-attempt1.png`;
  await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  await sql(`UPDATE jobs SET status = 'completed', updated_at = now() - interval '31 days' WHERE id = $1`, [jobId]);
  const removed = await h.app.get(RetentionService).runNow();
  expect(removed).toMatchObject({ orders: 1, files: 1 });
  await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
});
