import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCatalogueFile } from '../src/sandbox/catalogue';
import { outcomesCatalogueFile } from '../src/sandbox/features/outcomes';
import { PROJECT_ROOT } from './support/root';

/** `npm run sandbox:catalogue`: writes src/sandbox/catalogue.yaml (and the feature directories' files) from the sandbox's own lists. */
const file = join(PROJECT_ROOT, 'src', 'sandbox', 'catalogue.yaml');
writeFileSync(file, sandboxCatalogueFile());
console.log(`wrote ${file}`);
const outcomes = join(PROJECT_ROOT, 'src', 'sandbox', 'features', 'outcomes.yaml');
writeFileSync(outcomes, outcomesCatalogueFile());
console.log(`wrote ${outcomes}`);
