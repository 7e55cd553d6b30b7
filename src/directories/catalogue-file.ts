import { isDeepStrictEqual } from 'node:util';
import { parseDocument, stringify } from 'yaml';
import type { FieldError } from '../common/problem-types';
import { catalogueFileSchema, checkDirectory, fieldErrorsOf, type Checked, type DirectoryDocument } from './definition/directory.schema';

/**
 * A catalogue file: `{ baseUrl?, directories: [...] }` in YAML or JSON (JSON is YAML too), each
 * directory as the API takes it. Directories that share one adapter share it in YAML through an
 * anchor (`&classic` ... `*classic`), as the export writes it.
 */
export type CatalogueFormat = 'yaml' | 'json';

/** Enough for a catalogue whose directories share a few adapters; bounded against alias bombs. */
const MAX_ALIAS_COUNT = 50_000;

export function readCatalogue(text: string, baseUrlOverride?: string): Checked<DirectoryDocument[]> {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.slice(0, 20).map((e) => ({ field: '(file)', messages: [e.message.split('\n')[0]] })) };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, errors: [{ field: '(file)', messages: [(err as Error).message] }] };
  }
  const file = catalogueFileSchema.safeParse(raw);
  if (!file.success) return { ok: false, errors: fieldErrorsOf(file.error) };

  const base = baseUrlOverride ?? file.data.baseUrl;
  if (base !== undefined && !URL.canParse(base)) return { ok: false, errors: [{ field: 'baseUrl', messages: [`${base} is not an absolute URL`] }] };
  const errors: FieldError[] = [];
  const directories: DirectoryDocument[] = [];
  const seen = new Map<string, number>();
  file.data.directories.forEach((entry, i) => {
    const checked = checkDirectory(withBase(entry, base), `directories[${i}]`);
    if (!checked.ok) return errors.push(...checked.errors);
    const first = seen.get(checked.value.id);
    if (first !== undefined) return errors.push({ field: `directories[${i}].id`, messages: [`${checked.value.id} is already directories[${first}]`] });
    seen.set(checked.value.id, i);
    directories.push(checked.value);
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: directories };
}

/** A relative submitUrl, resolved against the file's base URL; anything else is left for the schema to judge. */
function withBase(entry: unknown, base: string | undefined): unknown {
  if (!base || entry === null || typeof entry !== 'object' || !('submitUrl' in entry) || typeof entry.submitUrl !== 'string') return entry;
  if (URL.canParse(entry.submitUrl)) return entry;
  return { ...entry, submitUrl: new URL(entry.submitUrl, base).href };
}

/**
 * Writes directories as a catalogue file; identical adapters are written once (YAML anchors).
 * With `baseUrl`, submit URLs under it are written relative to it, for a file kept for several
 * environments (imported with `--base-url`).
 */
export function writeCatalogue(directories: DirectoryDocument[], format: CatalogueFormat, baseUrl?: string): string {
  const relative = (url: string) => (baseUrl && url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url);
  const file = {
    ...(baseUrl ? { baseUrl } : {}),
    directories: directories.map((d) => ({ id: d.id, name: d.name, submitUrl: relative(d.submitUrl), enabled: d.enabled, position: d.position, adapter: d.adapter })),
  };
  if (format === 'json') return `${JSON.stringify(file, null, 2)}\n`;
  const shared: DirectoryDocument['adapter'][] = [];
  for (const d of file.directories) d.adapter = shared.find((a) => isDeepStrictEqual(a, d.adapter)) ?? (shared.push(d.adapter), d.adapter);
  return stringify(file, { aliasDuplicateObjects: true, lineWidth: 0 });
}
