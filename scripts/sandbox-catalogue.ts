import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCatalogueFile } from '../src/sandbox/catalogue';
import { PROJECT_ROOT } from './support/root';

/** `npm run sandbox:catalogue`: writes src/sandbox/catalogue.yaml from the sandbox's own list. */
const file = join(PROJECT_ROOT, 'src', 'sandbox', 'catalogue.yaml');
writeFileSync(file, sandboxCatalogueFile());
console.log(`wrote ${file}`);
