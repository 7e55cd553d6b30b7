import { readFileSync } from 'node:fs';
import { readCatalogue } from '../../directories/catalogue-file';
import { FORMS_CATALOGUE_FILE, formsCatalogue, formsCatalogueFile } from './forms';

it('the committed forms.yaml is what the form feature pages serve (npm run sandbox:catalogue rewrites it)', () => {
  expect(readFileSync(FORMS_CATALOGUE_FILE, 'utf8')).toBe(formsCatalogueFile());
  expect(readCatalogue(readFileSync(FORMS_CATALOGUE_FILE, 'utf8'), 'http://127.0.0.1:4555/')).toEqual({ ok: true, value: formsCatalogue('http://127.0.0.1:4555/') });
});
