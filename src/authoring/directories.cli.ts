import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { loadConfig } from '../config/config.schema';
import { dataSourceOptions } from '../database/data-source';
import { Customer } from '../customers/customer.entity';
import { readCatalogue, writeCatalogue, type CatalogueFormat } from '../directories/catalogue-file';
import type { DirectoryDocument } from '../directories/definition/directory.schema';
import { Directory, DirectoryRevision } from '../directories/directory.entity';
import { documentOf, importDirectories, loadDirectories, type CatalogueChanges } from '../directories/directory-store';
import { confirmSubmit, customerValues } from './try-command';
import { suggestFromPage } from './suggest-page';
import { suggestionYaml } from './suggest-yaml';
import { withToolPage } from './tool-browser';
import { formatTryResult, SAMPLE_CUSTOMER, tryDirectory } from './try';

const USAGE = `Usage:
  npm run directories -- import <file.yaml|file.json> [--base-url <url>] [--keep-others] [--dry-run]
  npm run directories -- export [<file>] [--format yaml|json]
  npm run directories -- suggest <url> [--id <id>] [--out <file.yaml>]
  npm run directories -- try <id | file> [--id <id>] [--base-url <url>] [--customer <id>] [--out <dir>] [--json] [--submit [--yes]]

import  makes the catalogue hold the file's directories: adds new ones, changes those that differ
        (a changed form page or adapter is a new revision), and disables enabled directories the
        file does not list, unless --keep-others. Relative submitUrls resolve against --base-url,
        else the file's baseUrl. --dry-run reports what would change and changes nothing.
export  writes every directory (disabled ones too) to <file>, or to standard output.
suggest loads the form page and writes a draft directory (a catalogue file), each guess with a
        comment saying what it was based on, for a person to confirm.
try     runs a directory's adapter (from the catalogue by id, or from a catalogue file; --id picks
        one of several) on its live site as a worker would, and stops right before the submit
        click; reports every target and keeps a screenshot of every step in --out (printed).
        --customer fills in that customer, else a made-up sample. --submit clicks, after asking
        (--yes when not on a terminal). Exit code 0 only when everything matched.`;

/** Catalogue files in and out of the `directories` table. Reads DATABASE_URL like the app. */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'base-url': { type: 'string' },
      'keep-others': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      format: { type: 'string' },
      id: { type: 'string' },
      out: { type: 'string' },
      customer: { type: 'string' },
      json: { type: 'boolean' },
      submit: { type: 'boolean' },
      yes: { type: 'boolean' },
    },
  });
  const [command, file] = positionals;
  if (command === 'suggest' && file) return suggest(file, values.id, values.out);
  if (command === 'try' && file) {
    return tryCommand(file, { ...values, submit: values.submit ?? false, yes: values.yes ?? false, json: values.json ?? false });
  }
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

async function suggest(url: string, id: string | undefined, out: string | undefined): Promise<void> {
  if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) throw new UsageError(`${url} is not an http(s) URL`);
  const suggestion = await withToolPage(loadConfig(), { submitUrl: url }, (page) => suggestFromPage(page, url, id));
  const text = suggestionYaml(suggestion);
  if (!out) return void process.stdout.write(text);
  await writeFile(out, text);
  console.log(`wrote a draft of ${suggestion.fields.length} field(s) to ${out}; confirm each guess, then: npm run directories -- try ${out}`);
}

interface TryFlags {
  id?: string;
  'base-url'?: string;
  customer?: string;
  out?: string;
  json: boolean;
  submit: boolean;
  yes: boolean;
}

async function tryCommand(idOrFile: string, flags: TryFlags): Promise<void> {
  const directory = existsSync(idOrFile) ? await directoryFromFile(idOrFile, flags.id, flags['base-url']) : await directoryFromCatalogue(idOrFile);
  const values = flags.customer ? await withDatabase((db) => customerValues(db, flags.customer as string, loadConfig().ARTIFACT_DIR)) : SAMPLE_CUSTOMER;
  if (flags.submit) await confirmSubmit(directory.submitUrl, flags.yes);
  const result = await tryDirectory(loadConfig(), directory, values, { submit: flags.submit, screenshotDir: flags.out });
  console.log(flags.json ? JSON.stringify(result, null, 2) : formatTryResult(result));
  if (!result.ok) process.exitCode = 1;
}

async function directoryFromFile(file: string, id: string | undefined, baseUrl: string | undefined): Promise<DirectoryDocument> {
  const checked = readCatalogue(await readFile(file, 'utf8'), baseUrl);
  if (!checked.ok) throw new Error(`${file} is not a valid catalogue file:\n${checked.errors.map((e) => `  ${e.field}: ${e.messages.join('; ')}`).join('\n')}`);
  const found = id ? checked.value.find((d) => d.id === id) : checked.value.length === 1 ? checked.value[0] : undefined;
  if (found) return found;
  if (id) throw new Error(`${file} has no directory ${id}`);
  throw new UsageError(`${file} holds ${checked.value.length} directories: pick one with --id`);
}

async function directoryFromCatalogue(id: string): Promise<DirectoryDocument> {
  const row = (await withDatabase((db) => loadDirectories(db.manager, [id]))).get(id);
  if (!row) throw new Error(`no directory ${id} in the catalogue (and no file of that name)`);
  return documentOf(row);
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
  const db = await new DataSource(dataSourceOptions(loadConfig().DATABASE_URL, 'admin', [Directory, DirectoryRevision, Customer])).initialize();
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
