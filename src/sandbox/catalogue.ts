import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { readCatalogue, writeCatalogue } from '../directories/catalogue-file';
import type { FormAdapterDefinition } from '../directories/definition/adapter.schema';
import type { DirectoryDocument } from '../directories/definition/directory.schema';
import { importDirectories, type CatalogueChanges } from '../directories/directory-store';
import { LAYOUTS } from './adapters';
import { layoutOf } from './behaviour';

export const SANDBOX_DIRECTORY_COUNT = 520;

/**
 * The sandbox's catalogue file, imported like any operator's: by the demo, the tests and compose's
 * development setup (`npm run directories -- import src/sandbox/catalogue.yaml --base-url <sandbox>`).
 * It is written by {@link sandboxCatalogueFile} (`npm run sandbox:catalogue`); a test keeps the two equal.
 */
export const SANDBOX_CATALOGUE_FILE = join(__dirname, 'catalogue.yaml');

/** Where the sandbox listens unless told otherwise (`npm run start:sandbox`, compose's development setup). */
export const SANDBOX_DEFAULT_URL = 'http://127.0.0.1:4000/';

const NAME_WORDS = ['Local', 'City', 'Metro', 'Regional', 'Neighbourhood', 'Trade', 'Open', 'Main Street'];
const NAME_KINDS = ['Listings', 'Directory', 'Pages', 'Finder', 'Guide', 'Index', 'Register'];

export function sandboxSlug(position: number): string {
  return `sandbox-${String(position).padStart(4, '0')}`;
}

/** Readable and unique: the words vary, the trailing number keeps names apart. */
export function sandboxDirectoryName(position: number): string {
  const word = NAME_WORDS[(position - 1) % NAME_WORDS.length];
  const kind = NAME_KINDS[Math.floor((position - 1) / NAME_WORDS.length) % NAME_KINDS.length];
  return `Sandbox ${word} ${kind} ${position}`;
}

/** The sandbox's sites are all forms its adapters describe: none needs a code adapter. */
export type SandboxDirectory = DirectoryDocument & { position: number; adapter: FormAdapterDefinition };

/** The sandbox's directory sites, served by `startSandbox` at `baseUrl`, in package order. */
export function sandboxCatalogue(baseUrl: string = SANDBOX_DEFAULT_URL): SandboxDirectory[] {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return Array.from({ length: SANDBOX_DIRECTORY_COUNT }, (_, i) => {
    const position = i + 1;
    const id = sandboxSlug(position);
    return { id, name: sandboxDirectoryName(position), submitUrl: `${base}d/${id}/`, position, enabled: true, adapter: LAYOUTS[layoutOf(position)] };
  });
}

/** The text of the catalogue file: relative submit URLs under the default base URL. */
export function sandboxCatalogueFile(): string {
  return `# The sandbox's 520 directories. Written by \`npm run sandbox:catalogue\`; do not edit by hand.\n${writeCatalogue(sandboxCatalogue(), 'yaml', SANDBOX_DEFAULT_URL)}`;
}

/** Imports the catalogue file for a sandbox at `baseUrl`, as the import command does. */
export async function importSandboxCatalogue(m: EntityManager, baseUrl: string): Promise<CatalogueChanges> {
  const checked = readCatalogue(readFileSync(SANDBOX_CATALOGUE_FILE, 'utf8'), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  if (!checked.ok) throw new Error(`${SANDBOX_CATALOGUE_FILE}: ${JSON.stringify(checked.errors)}`);
  return importDirectories(m, checked.value, { by: 'sandbox', disableOthers: true });
}
