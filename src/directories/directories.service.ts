import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, type AuditEntry } from '../audit/audit.service';
import { ProblemException } from '../common/problem.filter';
import type { FieldError } from '../common/problem-types';
import { checkDirectory, checkDirectoryPatch, type Checked } from './definition/directory.schema';
import { Directory, DirectoryRevision } from './directory.entity';
import { documentOf, loadDirectories, lockCatalogue, writeDirectories } from './directory-store';

/** Who changes the catalogue, for the audit log and the revision's author. */
export type CatalogueActor = Omit<AuditEntry, 'action' | 'detail' | 'jobId'>;

export type Removal = { id: string; outcome: 'deleted' | 'disabled'; reason?: string };

/** One revision as the API shows it: the definition a result's `directoryRevision` names. */
export type RevisionView = Pick<DirectoryRevision, 'revision' | 'submitUrl' | 'adapter' | 'createdBy' | 'createdAt'>;

/**
 * The catalogue as staff manage it: every write is validated against the adapter schema (422 with
 * the path of each mistake, nothing changed), serialized with the other writers, and audited.
 */
@Injectable()
export class DirectoriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  list(includeDisabled: boolean): Promise<Directory[]> {
    return this.db.getRepository(Directory).find({ where: includeDisabled ? {} : { enabled: true }, order: { position: 'ASC', id: 'ASC' } });
  }

  async get(id: string): Promise<Directory> {
    const row = await this.db.getRepository(Directory).findOneBy({ id });
    if (!row) throw new ProblemException('not-found', `No directory ${id}.`);
    return row;
  }

  /** Newest first. */
  async revisions(id: string): Promise<RevisionView[]> {
    await this.get(id);
    return this.db.getRepository(DirectoryRevision).find({
      select: { revision: true, submitUrl: true, adapter: true, createdBy: true, createdAt: true },
      where: { directoryId: id },
      order: { revision: 'DESC' },
    });
  }

  async create(input: unknown, actor: CatalogueActor): Promise<Directory> {
    const doc = valid(checkDirectory(input));
    return this.write(doc.id, actor, 'directory.create', (old) => {
      if (old) throw new ProblemException('conflict', `Directory ${doc.id} exists already; change it with PUT or PATCH /directories/${doc.id}.`);
      return doc;
    });
  }

  /** The whole document; `id` in the body may be left out, and must match the path when given. */
  async replace(id: string, input: unknown, actor: CatalogueActor): Promise<Directory> {
    const body = input !== null && typeof input === 'object' && !('id' in input) ? { ...input, id } : input;
    const doc = valid(checkDirectory(body));
    if (doc.id !== id) throw invalid([{ field: 'id', messages: [`must be ${id}, the directory in the path (ids do not change)`] }]);
    return this.write(id, actor, 'directory.update', (old) => {
      if (!old) throw new ProblemException('not-found', `No directory ${id}; create it with POST /directories.`);
      // Like position, an enabled state left out is kept: a definition edit must not re-enable a directory.
      return body !== null && typeof body === 'object' && 'enabled' in body ? doc : { ...doc, enabled: old.enabled };
    });
  }

  /** Any of name, submitUrl, enabled, position and adapter; an adapter given is replaced whole. */
  async patch(id: string, input: unknown, actor: CatalogueActor): Promise<Directory> {
    const patch = valid(checkDirectoryPatch(input));
    return this.write(id, actor, 'directory.update', (old) => {
      if (!old) throw new ProblemException('not-found', `No directory ${id}.`);
      return valid(checkDirectory({ ...documentOf(old), ...patch }));
    });
  }

  /**
   * Ends a pause the directory put itself in (DirectoryAttention): its waiting rows are tried again
   * within about 10 seconds, and its count of missing targets starts again.
   */
  async resume(id: string, actor: CatalogueActor): Promise<Directory> {
    const [rows]: [Array<{ id: string }>, number] = await this.db.query(
      `UPDATE directories SET paused_at = NULL, paused_reason = NULL, target_misses = 0, updated_at = now() WHERE id = $1 AND paused_at IS NOT NULL RETURNING id`,
      [id],
    );
    if (!rows.length) {
      await this.get(id);
      throw new ProblemException('conflict', `Directory ${id} is not paused.`);
    }
    await this.audit.record({ ...actor, action: 'directory.resume', detail: { directory: id } });
    return this.get(id);
  }

  /** Deletes a directory no result points at; one with results is disabled instead. */
  async remove(id: string, actor: CatalogueActor): Promise<Removal> {
    const disable = async (m: EntityManager): Promise<Removal> => {
      await m.query(`UPDATE directories SET enabled = false, updated_at = now() WHERE id = $1`, [id]);
      return { id, outcome: 'disabled', reason: 'results point at it, so it was disabled rather than deleted' };
    };
    let removal: Removal;
    try {
      removal = await this.db.transaction(async (m): Promise<Removal> => {
        await lockCatalogue(m);
        const old = (await loadDirectories(m, [id])).get(id);
        if (!old) throw new ProblemException('not-found', `No directory ${id}.`);
        const [used] = await m.query(`SELECT 1 FROM job_results WHERE directory_id = $1 LIMIT 1`, [id]);
        if (used) return disable(m);
        await m.query(`DELETE FROM directories WHERE id = $1`, [id]);
        return { id, outcome: 'deleted' };
      });
    } catch (err) {
      // An order taking the directory committed its rows between the look and the delete: the
      // foreign key refused it, and the directory is disabled instead, as if they had been seen.
      if ((err as { driverError?: { code?: string } }).driverError?.code !== '23503') throw err;
      removal = await this.db.transaction(disable);
    }
    await this.audit.record({ ...actor, action: `directory.${removal.outcome === 'deleted' ? 'delete' : 'disable'}`, detail: { directory: id } });
    return removal;
  }

  private async write(id: string, actor: CatalogueActor, action: string, decide: (old: Directory | undefined) => ReturnType<typeof documentOf>): Promise<Directory> {
    const { row, changes } = await this.db.transaction(async (m) => {
      await lockCatalogue(m);
      const existing = await loadDirectories(m, [id]);
      const changes = await writeDirectories(m, [decide(existing.get(id))], existing, actor.actor);
      return { row: await m.getRepository(Directory).findOneByOrFail({ id }), changes };
    });
    if (!changes.unchanged.length) {
      await this.audit.record({ ...actor, action, detail: { directory: id, revision: row.revision, newRevision: changes.revised.length > 0 || changes.added.length > 0 } });
    }
    return row;
  }
}

function invalid(errors: FieldError[]): ProblemException {
  return new ProblemException('invalid-definition', `The directory does not follow the adapter schema: ${errors.length} mistake(s), each named in errors.`, errors);
}

function valid<T>(checked: Checked<T>): T {
  if (!checked.ok) throw invalid(checked.errors);
  return checked.value;
}
