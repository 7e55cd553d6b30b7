import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxCatalogueFile } from '../src/sandbox/catalogue';
import { assistedCatalogueFile } from '../src/sandbox/features/assisted';
import { authCatalogueFile } from '../src/sandbox/features/auth';
import { formsCatalogueFile } from '../src/sandbox/features/forms';
import { outcomesCatalogueFile } from '../src/sandbox/features/outcomes';
import { PROJECT_ROOT } from '../harness/root';

/** `npm run sandbox:catalogue`: writes src/sandbox/catalogue.yaml (and the feature directories' files) from the sandbox's own lists. */
const file = join(PROJECT_ROOT, 'src', 'sandbox', 'catalogue.yaml');
writeFileSync(file, sandboxCatalogueFile());
console.log(`wrote ${file}`);
for (const [name, text] of [['forms', formsCatalogueFile()], ['outcomes', outcomesCatalogueFile()], ['auth', authCatalogueFile()], ['assisted', assistedCatalogueFile()]]) {
  const feature = join(PROJECT_ROOT, 'src', 'sandbox', 'features', `${name}.yaml`);
  writeFileSync(feature, text);
  console.log(`wrote ${feature}`);
}
