import { Injectable } from '@nestjs/common';
import type { ResponseLogEntry } from '../common/response-log';
import { Redactor } from '../engine/redact';
import { DirectoryCredentials } from '../workers/directory-credentials';
import { DirectoryTurns } from '../workers/directory-turns.service';

/**
 * What a remote worker writes (log lines, its progress word, a refusal's reason) with the
 * directory's sign-in values taken out, should it have sent any: the engine redacts on the
 * worker's side, and the API does not rely on it.
 */
@Injectable()
export class LeaseRedactor {
  constructor(
    private readonly credentials: DirectoryCredentials,
    private readonly turns: DirectoryTurns,
  ) {}

  async for(directoryId: string): Promise<{ text<T extends string | undefined>(t: T): T; lines(l: ResponseLogEntry[]): ResponseLogEntry[] }> {
    const r = new Redactor();
    // Only a directory that signs in hands its worker sign-in values (its state is cached): no read per heartbeat otherwise.
    const creds = (await this.turns.stateOf(directoryId)).signsIn ? await this.credentials.open(directoryId).catch(() => undefined) : undefined;
    if (creds) r.add(Object.values(creds));
    return {
      text: (t) => r.text(t),
      lines: (l) => l.map((e) => ({ ...e, event: r.text(e.event), detail: r.text(e.detail) })),
    };
  }
}
