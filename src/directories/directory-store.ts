import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import type { DirectoryDocument } from './definition/directory.schema';
import { Directory } from './directory.entity';

/** What a write did, by directory id. `revised` ⊆ `changed`: their definition got a new revision. */
export interface CatalogueChanges {
  added: string[];
  changed: string[];
  revised: string[];
  unchanged: string[];
  disabled: string[];
}

const CHUNK = 500;

/**
 * Serializes writers of the catalogue (API, dashboard, import) for one transaction, so that
 * "does it exist" and "which revision is next" stay true until the commit. Readers (workers,
 * order intake) take no lock that conflicts with it.
 */
export async function lockCatalogue(m: EntityManager): Promise<void> {
  await m.query(`LOCK TABLE directories IN SHARE ROW EXCLUSIVE MODE`);
}

export async function loadDirectories(m: EntityManager, ids?: string[]): Promise<Map<string, Directory>> {
  const rows = await m.getRepository(Directory).find({ where: ids ? ids.map((id) => ({ id })) : {}, order: { position: 'ASC', id: 'ASC' } });
  return new Map(rows.map((r) => [r.id, r]));
}

/** The row as a document, for comparison, editing and export. */
export function documentOf(d: Directory): DirectoryDocument {
  return { id: d.id, name: d.name, submitUrl: d.submitUrl, enabled: d.enabled, position: d.position, adapter: d.adapter };
}

/**
 * Writes documents over the rows in `existing` (read under {@link lockCatalogue}). A directory
 * whose submit URL or adapter changed gets a new revision; one left without a position keeps its
 * own, or goes after the last one when new. Writes nothing for what did not change.
 */
export async function writeDirectories(m: EntityManager, docs: DirectoryDocument[], existing: Map<string, Directory>, by: string): Promise<CatalogueChanges> {
  const changes: CatalogueChanges = { added: [], changed: [], revised: [], unchanged: [], disabled: [] };
  const [{ max }]: Array<{ max: number | null }> = await m.query(`SELECT max(position) AS max FROM directories`);
  let nextPosition = (max ?? 0) + 1;
  const rows: Array<Pick<Directory, 'id' | 'name' | 'submitUrl' | 'adapter' | 'enabled' | 'position' | 'revision'>> = [];
  const revisions: Array<{ directory_id: string; revision: number; submit_url: string; adapter: unknown }> = [];
  for (const doc of docs) {
    const old = existing.get(doc.id);
    const revised = !old || old.submitUrl !== doc.submitUrl || !isDeepStrictEqual(old.adapter, doc.adapter);
    const row = {
      id: doc.id,
      name: doc.name,
      submitUrl: doc.submitUrl,
      adapter: doc.adapter,
      enabled: doc.enabled,
      position: doc.position ?? old?.position ?? nextPosition++,
      revision: !old ? 1 : revised ? old.revision + 1 : old.revision,
    };
    if (old && !revised && old.name === row.name && old.enabled === row.enabled && old.position === row.position) {
      changes.unchanged.push(doc.id);
      continue;
    }
    (old ? changes.changed : changes.added).push(doc.id);
    if (old && revised) changes.revised.push(doc.id);
    rows.push(row);
    if (revised) revisions.push({ directory_id: row.id, revision: row.revision, submit_url: row.submitUrl, adapter: row.adapter });
  }
  for (let i = 0; i < rows.length; i += CHUNK) {
    await m.query(
      `INSERT INTO directories (id, name, submit_url, adapter, enabled, position, revision)
       SELECT id, name, "submitUrl", adapter, enabled, position, revision FROM jsonb_to_recordset($1::jsonb)
         AS x(id text, name text, "submitUrl" text, adapter jsonb, enabled boolean, position integer, revision integer)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, submit_url = EXCLUDED.submit_url, adapter = EXCLUDED.adapter,
         enabled = EXCLUDED.enabled, position = EXCLUDED.position, revision = EXCLUDED.revision, updated_at = now()`,
      [JSON.stringify(rows.slice(i, i + CHUNK))],
    );
  }
  for (let i = 0; i < revisions.length; i += CHUNK) {
    await m.query(
      `INSERT INTO directory_revisions (directory_id, revision, submit_url, adapter, created_by)
       SELECT directory_id, revision, submit_url, adapter, $2 FROM jsonb_to_recordset($1::jsonb)
         AS x(directory_id text, revision integer, submit_url text, adapter jsonb)`,
      [JSON.stringify(revisions.slice(i, i + CHUNK)), by],
    );
  }
  return changes;
}

/**
 * Makes the catalogue hold a file's directories: adds and changes them, and with `disableOthers`
 * disables every enabled directory the file does not list (never deletes: results point at them).
 * Importing the same file twice changes nothing the second time.
 */
export async function importDirectories(
  m: EntityManager,
  docs: DirectoryDocument[],
  opts: { by: string; disableOthers: boolean; dryRun?: boolean },
): Promise<CatalogueChanges> {
  let changes: CatalogueChanges | undefined;
  try {
    await m.transaction(async (t) => {
      await lockCatalogue(t);
      changes = await writeDirectories(t, docs, await loadDirectories(t), opts.by);
      if (opts.disableOthers) {
        const [disabled]: [Array<{ id: string }>, number] = await t.query(
          `UPDATE directories SET enabled = false, updated_at = now() WHERE enabled AND NOT (id = ANY($1)) RETURNING id`,
          [docs.map((d) => d.id)],
        );
        changes.disabled = disabled.map((d) => d.id).sort();
      }
      if (opts.dryRun) throw new RolledBack();
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
  }
  return changes as CatalogueChanges;
}

/** Ends a dry run's transaction after it has worked out what would change. */
class RolledBack extends Error {}
