import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { readCatalogue } from '../../directories/catalogue-file';
import { sandboxApp } from '../sandbox-app';
import { SandboxState } from '../sandbox-state';
import { FORMS_CATALOGUE_FILE, formsCatalogue, formsCatalogueFile } from './forms';

it('the committed forms.yaml is what the form feature pages serve (npm run sandbox:catalogue rewrites it)', () => {
  expect(readFileSync(FORMS_CATALOGUE_FILE, 'utf8')).toBe(formsCatalogueFile());
  expect(readCatalogue(readFileSync(FORMS_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/')).toEqual({ ok: true, value: formsCatalogue('http://127.0.0.1:4555/') });
});

it('the upload page records the file it received by size, type and SHA-256, and refuses a form without one', async () => {
  const state = new SandboxState();
  const app = sandboxApp(state, { directories: 1, slowMs: 0 });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\r\n--not-the-boundary\r\n\r\n'), Buffer.alloc(300, 1)]);
  await request(app).post('/f/forms/upload/submit').field('name', 'Blue Door Bakery').attach('logo', png, { filename: 'logo.png', contentType: 'image/png' }).expect(200);
  await request(app).post('/f/forms/upload/submit').field('name', 'No Logo').expect(422);
  expect(state.snapshot().submissions.map((s) => [s.outcome, s.fields])).toEqual([
    ['accepted', { name: 'Blue Door Bakery', logo: createHash('sha256').update(png).digest('hex'), logo_bytes: String(png.length), logo_type: 'image/png', logo_filename: 'logo.png' }],
    ['rejected', { name: 'No Logo' }],
  ]);
});
