import { readFileSync } from 'node:fs';
import { readCatalogue } from '../../directories/catalogue-file';
import { AUTH_CATALOGUE_FILE, authCatalogue, authCatalogueFile } from './auth';

it('the committed auth.yaml is what the sign-in feature pages serve (npm run sandbox:catalogue rewrites it)', () => {
  expect(readFileSync(AUTH_CATALOGUE_FILE, 'utf8')).toBe(authCatalogueFile());
  expect(readCatalogue(readFileSync(AUTH_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/')).toEqual({ ok: true, value: authCatalogue('http://127.0.0.1:4555/') });
});
