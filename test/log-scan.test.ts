import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scrubSecrets } from '../src/logging/scrub';
import { scanLogs } from './support/log-scan';

/** The scan that ends every run must find what it looks for, and not what the scrubber left. */
describe('the log scan', () => {
  const secrets = [
    `authorization: Bearer bl_live_0123456789abcdef_${'k'.repeat(43)}`,
    'DATABASE_URL=postgres://app:hunter2@db/boltline',
    'cookie: boltline.sid=s%3AabcDEF.signature',
    'stored scrypt$32768$8$1$c2FsdA==$aGFzaA==',
    '{"msg":"login","password":"correct horse"}',
    '{"msg":"body {\\"password\\":\\"correct horse\\"}"}',
    `{"msg":"stream opened with eyJqIjoiMSJ9.${'s'.repeat(43)}"}`,
    '{"req":{"url":"/api/v1/jobs/1/events?token=abc"}}',
    'GET /api/v1/jobs?page=2&api_key=abc',
    'GET /staff?boltline.sid=abc',
  ];

  it('finds each kind of secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boltline-scan-'));
    writeFileSync(join(dir, 'leaky.log'), ['an ordinary line', ...secrets].join('\n'));
    expect(scanLogs(dir).leaks).toHaveLength(secrets.length);
  });

  it('finds nothing once the lines went through the scrubber', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boltline-scan-'));
    writeFileSync(join(dir, 'scrubbed.log'), secrets.map(scrubSecrets).join('\n'));
    expect(scanLogs(dir)).toMatchObject({ files: 1, lines: secrets.length, leaks: [] });
  });
});
