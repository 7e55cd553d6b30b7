import { readFileSync } from 'node:fs';
import request from 'supertest';
import { readCatalogue } from '../../directories/catalogue-file';
import { sandboxApp } from '../sandbox-app';
import { SandboxState } from '../sandbox-state';
import { ASSISTED_CATALOGUE_FILE, assistedCatalogue, assistedCatalogueFile } from './assisted';

it('the committed assisted.yaml is what the assisted feature page serves (npm run sandbox:catalogue rewrites it)', () => {
  expect(readFileSync(ASSISTED_CATALOGUE_FILE, 'utf8')).toBe(assistedCatalogueFile());
  expect(readCatalogue(readFileSync(ASSISTED_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/')).toEqual({ ok: true, value: assistedCatalogue('http://127.0.0.1:4555/') });
  expect(assistedCatalogue()[0].adapter.assisted).toBe(true);
});

it('takes a listing only with the word its page showed, once, and records every POST', async () => {
  const state = new SandboxState();
  const app = sandboxApp(state, { directories: 1, slowMs: 0 });
  const page = async () => {
    const html = (await request(app).get('/f/assisted/listing/').expect(200)).text;
    return { word: /id="challenge"[^>]*>([^<]+)</.exec(html)![1], challenge: /name="challenge" value="([0-9a-f]+)"/.exec(html)![1] };
  };
  const listing = { name: 'Blue Door Bakery', website: 'https://bluedoor.example', category: 'Restaurant', phone: '15125550100', where: '12 Main Street, Austin 78701', plan: 'p0', terms: 'yes' };
  const first = await page();
  // Without the word, with a wrong one, or with one already used: refused, nothing listed.
  await request(app).post('/f/assisted/listing/submit').type('form').send({ ...listing, challenge: first.challenge }).expect(422);
  const second = await page();
  await request(app).post('/f/assisted/listing/submit').type('form').send({ ...listing, challenge: second.challenge, captcha: 'WRONG-1' }).expect(422);
  const third = await page();
  const ok = await request(app).post('/f/assisted/listing/submit').type('form').send({ ...listing, challenge: third.challenge, captcha: third.word.toLowerCase() }).expect(200);
  expect(ok.text).toMatch(/id="outcome" class="accepted".*id="reference">AS-0001</);
  await request(app).post('/f/assisted/listing/submit').type('form').send({ ...listing, challenge: third.challenge, captcha: third.word }).expect(422);
  expect(state.snapshot().submissions.map((s) => s.outcome)).toEqual(['rejected', 'rejected', 'accepted', 'rejected']);
  expect(state.isListed('assisted-captcha', listing.website)).toBe(true);
});
