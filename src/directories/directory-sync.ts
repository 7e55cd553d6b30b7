import { EntityManager } from 'typeorm';
import type { CatalogueEntry } from './catalogue';

/**
 * Makes the `directories` table match a catalogue: upserts every entry and disables directories
 * that left it (rather than deleting them: past results still point at them).
 */
export async function syncDirectories(manager: EntityManager, entries: CatalogueEntry[]): Promise<{ upserted: number; disabled: number }> {
  return manager.transaction(async (m) => {
    for (let i = 0; i < entries.length; i += 200) {
      const chunk = entries.slice(i, i + 200);
      await m.query(
        `INSERT INTO directories (id, name, submit_url, adapter, enabled, position)
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS x(slug text, name text, "submitUrl" text, adapter jsonb, enabled boolean, position integer)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, submit_url = EXCLUDED.submit_url,
           adapter = EXCLUDED.adapter, enabled = EXCLUDED.enabled, position = EXCLUDED.position, updated_at = now()`,
        [JSON.stringify(chunk)],
      );
    }
    // UPDATE through TypeORM answers [rows, affected].
    const [disabled]: [unknown[], number] = await m.query(
      `UPDATE directories SET enabled = false, updated_at = now() WHERE enabled AND NOT (id = ANY($1)) RETURNING id`,
      [entries.map((e) => e.slug)],
    );
    return { upserted: entries.length, disabled: disabled.length };
  });
}
