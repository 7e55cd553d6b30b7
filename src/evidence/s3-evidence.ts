import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFile, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { relative, sep } from 'node:path';
import type { Evidence, EvidenceStore } from './evidence-store';

/** Bounds on one request to the store (the SDK tries twice). */
const S3_CONNECT_TIMEOUT_MS = 3000;
const S3_REQUEST_TIMEOUT_MS = 15_000;

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
      // A store that hangs must not hold a worker's slot (an upload comes before the outcome is recorded).
      requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, requestTimeout: S3_REQUEST_TIMEOUT_MS },
      maxAttempts: 2,
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
    let token: string | undefined;
    do {
      const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: `${jobId}/`, ContinuationToken: token }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) {
        // DeleteObjects answers 200 whatever it could not delete (no permission, say): those are in Errors.
        const deleted = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: keys, Quiet: true } }));
        const failed = deleted.Errors ?? [];
        if (failed.length) throw new Error(`${failed.length} object(s) not deleted: ${failed[0].Code ?? ''} ${failed[0].Message ?? ''}`.trim());
        removed += keys.length;
      }
      token = listed.IsTruncated ? listed.NextContinuationToken : undefined;
    } while (token);
    return removed;
  }

  close(): void {
    this.s3.destroy();
  }
}
