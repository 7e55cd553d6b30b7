import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { loadConfig } from '../config/config.schema';
import { dataSourceOptions } from '../database/data-source';
import { readCatalogue, writeCatalogue, type CatalogueFormat } from './catalogue-file';
import { documentOf, importDirectories, loadDirectories, type CatalogueChanges } from './directory-store';

const USAGE = `Usage:
  npm run directories -- import <file.yaml|file.json> [--base-url <url>] [--keep-others] [--dry-run]
  npm run directories -- export [<file>] [--format yaml|json]

import  makes the catalogue hold the file's directories: adds new ones, changes those that differ
        (a changed form page or adapter is a new revision), and disables enabled directories the
        file does not list, unless --keep-others. Relative submitUrls resolve against --base-url,
        else the file's baseUrl. --dry-run reports what would change and changes nothing.
export  writes every directory (disabled ones too) to <file>, or to standard output.`;

/** Catalogue files in and out of the `directories` table. Reads DATABASE_URL like the app. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'base-url': { type: 'string' }, 'keep-others': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, format: { type: 'string' } },
  });
  const [command, file] = positionals;
  if (command === 'import' && file) return importFile(file, values['base-url'], !values['keep-others'], values['dry-run'] ?? false);
  if (command === 'export') return exportTo(file, formatOf(values.format, file));
  throw new UsageError(command ? `unknown command or missing file: ${command}` : 'no command given');
}

async function importFile(file: string, baseUrl: string | undefined, disableOthers: boolean, dryRun: boolean): Promise<void> {
  const checked = readCatalogue(await readFile(file, 'utf8'), baseUrl);
  if (!checked.ok) {
    // Every mistake at once, each with where it is, so one edit fixes them all.
    throw new Error(`${file} was not imported; nothing changed:\n${checked.errors.map((e) => `  ${e.field}: ${e.messages.join('; ')}`).join('\n')}`);
  }
  const by = `import by ${userInfo().username}`;
  const changes = await withDatabase(async (db) => {
    const made = await importDirectories(db.manager, checked.value, { by, disableOthers, dryRun });
    if (!dryRun && made.added.length + made.changed.length + made.disabled.length) {
      await new AuditService(db).record({ actorType: 'system', actor: by, action: 'directory.import', detail: { file, ...counts(made) } });
    }
    return made;
  });
  console.log(`${dryRun ? 'dry run, nothing changed: would have ' : ''}${summary(changes)}`);
  for (const [what, ids] of [['added', changes.added], ['changed', changes.changed], ['disabled', changes.disabled]] as const) {
    if (ids.length) console.log(`  ${what}: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? `, … (${ids.length - 20} more)` : ''}`);
  }
}

async function exportTo(file: string | undefined, format: CatalogueFormat): Promise<void> {
  const rows = await withDatabase((db) => loadDirectories(db.manager));
  const text = writeCatalogue([...rows.values()].map(documentOf), format);
  if (!file) return void process.stdout.write(text);
  await writeFile(file, text);
  console.log(`exported ${rows.size} directories to ${file}`);
}

function formatOf(flag: string | undefined, file: string | undefined): CatalogueFormat {
  const format = flag ?? (file && extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format must be yaml or json, not ${format}`);
  return format;
}

function counts(c: CatalogueChanges) {
  return { added: c.added.length, changed: c.changed.length, revised: c.revised.length, unchanged: c.unchanged.length, disabled: c.disabled.length };
}

function summary(c: CatalogueChanges): string {
  const n = counts(c);
  return `added ${n.added}, changed ${n.changed} (${n.revised} with a new revision), disabled ${n.disabled}, unchanged ${n.unchanged}`;
}

async function withDatabase<T>(run: (db: DataSource) => Promise<T>): Promise<T> {
  const db = await new DataSource(dataSourceOptions(loadConfig().DATABASE_URL, 'admin')).initialize();
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.message);
  process.exit(err instanceof UsageError ? 2 : 1);
});
