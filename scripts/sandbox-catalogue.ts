import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCatalogueFile } from '../src/sandbox/catalogue';
import { formsCatalogueFile } from '../src/sandbox/features/forms';
import { PROJECT_ROOT } from './support/root';

/** `npm run sandbox:catalogue`: writes src/sandbox/catalogue.yaml from the sandbox's own list, and the feature pages' catalogue files. */
const file = join(PROJECT_ROOT, 'src', 'sandbox', 'catalogue.yaml');
writeFileSync(file, sandboxCatalogueFile());
console.log(`wrote ${file}`);
const forms = join(PROJECT_ROOT, 'src', 'sandbox', 'features', 'forms.yaml');
writeFileSync(forms, formsCatalogueFile());
console.log(`wrote ${forms}`);
