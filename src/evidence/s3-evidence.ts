import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { relative, sep } from 'node:path';
import type { Evidence, EvidenceStore } from './evidence-store';

/** The only keys kept or served: <order id>/<file>.png, nothing that climbs or lists. */
const KEY = /^[0-9a-f-]{36}\/[A-Za-z0-9._-]+\.png$/;

/** What S3EvidenceStore needs: the bucket and how to reach it (credentials: the AWS SDK's own chain, e.g. AWS_ACCESS_KEY_ID). */
export interface S3Settings {
  /** Where the browser writes each screenshot before it is uploaded. */
  artifactDir: string;
  bucket: string;
  region: string;
  endpoint?: string;
  pathStyle: boolean;
}

/**
 * Screenshots in an S3-compatible bucket, for a fleet whose machines share no disk: a worker
 * uploads each screenshot once its browser wrote it, and removes its local copy; the API serves it
 * from the bucket. Recorded as `s3://<bucket>/<order>/<file>`; a reference to another bucket is
 * never served.
 */
export class S3Evidence implements EvidenceStore {
  private readonly s3: S3Client;
  private readonly scheme: string;

  constructor(private readonly settings: S3Settings) {
    this.s3 = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.pathStyle,
      // Checksums only where S3 requires them: S3-compatible services differ in the rest.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.scheme = `s3://${settings.bucket}/`;
  }

  async keep(file: string): Promise<string> {
    // <order>/<file>, as screenshotPathOf lays them out under ARTIFACT_DIR.
    const name = relative(this.settings.artifactDir, file).split(sep).join('/');
    if (!KEY.test(name)) throw new Error(`not a screenshot under ARTIFACT_DIR: ${file}`);
    await this.s3.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: name, Body: await readFile(file), ContentType: 'image/png' }));
    await rm(file, { force: true });
    return `${this.scheme}${name}`;
  }

  async open(stored: string): Promise<Evidence | undefined> {
    if (!stored.startsWith(this.scheme)) return undefined;
    const key = stored.slice(this.scheme.length);
    if (!KEY.test(key)) return undefined;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return { body: got.Body as Readable, size: got.ContentLength, etag: got.ETag };
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async removeOrder(jobId: string): Promise<number> {
    let removed = 0;
    for (;;) {
      const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: `${jobId}/` }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (!keys.length) return removed;
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: keys, Quiet: true } }));
      removed += keys.length;
    }
  }
}
