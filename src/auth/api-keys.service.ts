import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ProblemException } from '../common/problem.filter';
import { generateKey, parseKey, secretMatches, type Scope } from './api-key';
import { Account, ApiKey } from './api-key.entity';
import type { Caller } from './caller';

export interface NewKey {
  name: string;
  scopes: Scope[];
  /** Account name; created when it does not exist yet. Required unless the key is admin or worker only. */
  account?: string;
  expiresAt?: Date;
}

export type KeyView = Omit<ApiKey, 'secretSha256'> & { account: string | null };

/**
 * Creates a key and returns it with its token, which is shown this once and stored nowhere.
 * A plain function so that the `keys` command and tests can make the very first admin key.
 */
export async function createApiKey(m: EntityManager, req: NewKey): Promise<{ key: KeyView; token: string }> {
  const needsAccount = !req.scopes.includes('admin') && req.scopes.some((s) => s === 'jobs:read' || s === 'jobs:write');
  if (needsAccount && !req.account) {
    throw new ProblemException(400, 'a jobs:read or jobs:write key without admin belongs to an account: give account', [
      { field: 'account', messages: ['name the account whose customers this key may see, e.g. acme'] },
    ]);
  }
  return m.transaction(async (t) => {
    let accountId: string | null = null;
    if (req.account) {
      await t.query(`INSERT INTO accounts (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [req.account]);
      accountId = (await t.findOneByOrFail(Account, { name: req.account })).id;
    }
    const generated = generateKey();
    await t.insert(ApiKey, {
      id: generated.id,
      name: req.name,
      scopes: [...new Set(req.scopes)],
      accountId,
      secretSha256: generated.secretSha256,
      expiresAt: req.expiresAt ?? null,
    });
    const key = await t.findOneByOrFail(ApiKey, { id: generated.id });
    return { key: { ...key, account: req.account ?? null }, token: generated.token };
  });
}

/** Why a presented key was refused; all but `missing` and `malformed` get the same answer. */
export type KeyRefusal = 'missing' | 'malformed' | 'invalid';

interface KeyRow {
  id: string;
  name: string;
  scopes: Scope[];
  account_id: string | null;
}

/** A key that may be used now: not revoked, not expired. */
const USABLE = `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;
/** A key's last use is written at most once a minute. */
const LAST_USED_STALE = `(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`;

const callerOf = (row: KeyRow): Caller => ({ keyId: row.id, name: row.name, scopes: row.scopes, accountId: row.account_id });

/**
 * The callers these key ids stand for now, leaving out keys that are unknown, revoked or expired:
 * so that what a key once proved (an event token, an open event stream) ends with the key.
 */
export async function currentCallers(m: EntityManager, ids: string[]): Promise<Map<string, Caller>> {
  if (!ids.length) return new Map();
  const rows: KeyRow[] = await m.query(`SELECT id, name, scopes, account_id FROM api_keys WHERE id = ANY($1) AND ${USABLE}`, [ids]);
  return new Map(rows.map((r) => [r.id, callerOf(r)]));
}

@Injectable()
export class ApiKeysService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The caller a token stands for. Looked up by id on every request, so a revocation or expiry
   * takes effect on the very next one; `last_used_at` is written at most once a minute.
   */
  async authenticate(token: string | undefined): Promise<Caller | KeyRefusal> {
    if (!token) return 'missing';
    const parsed = parseKey(token);
    if (!parsed) return 'malformed';
    const [row]: Array<KeyRow & { secret_sha256: Buffer; usable: boolean; last_used_stale: boolean }> = await this.db.query(
      `SELECT id, name, scopes, account_id, secret_sha256, ${USABLE} AS usable, ${LAST_USED_STALE} AS last_used_stale FROM api_keys WHERE id = $1`,
      [parsed.id],
    );
    if (!row || !secretMatches(parsed.secret, row.secret_sha256) || !row.usable) return 'invalid';
    // last_used_at is kept to the minute: a busy key's requests skip the write (a round trip each).
    if (row.last_used_stale) {
      void this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND ${LAST_USED_STALE}`, [parsed.id]).catch(() => undefined);
    }
    return callerOf(row);
  }

  /** See {@link currentCallers}. */
  current(ids: string[]): Promise<Map<string, Caller>> {
    return currentCallers(this.db.manager, ids);
  }

  create(req: NewKey) {
    return createApiKey(this.db.manager, req);
  }

  list(): Promise<KeyView[]> {
    return this.db.query(
      `SELECT k.id, k.name, k.scopes, k.account_id AS "accountId", a.name AS account, k.created_at AS "createdAt",
              k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt"
         FROM api_keys k LEFT JOIN accounts a ON a.id = k.account_id ORDER BY k.created_at DESC`,
    );
  }

  /** Revokes a key; revoking it again changes nothing. 404 for an unknown id. */
  async revoke(id: string): Promise<void> {
    const [, count] = await this.db.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, [id]);
    if (!count) throw new ProblemException(404, `API key ${id} not found`);
  }
}
