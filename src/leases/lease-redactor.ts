import { Injectable } from '@nestjs/common';
import type { ResponseLogEntry } from '../common/response-log';
import { Redactor } from '../engine/redact';
import { DirectoryCredentials } from '../workers/directory-credentials';

/**
 * What a remote worker writes (log lines, its progress word, a refusal's reason) with the
 * directory's sign-in values taken out, should it have sent any: the engine redacts on the
 * worker's side, and the API does not rely on it.
 */
@Injectable()
export class LeaseRedactor {
  constructor(private readonly credentials: DirectoryCredentials) {}

  async for(directoryId: string): Promise<{ text<T extends string | undefined>(t: T): T; lines(l: ResponseLogEntry[]): ResponseLogEntry[] }> {
    const r = new Redactor();
    const creds = await this.credentials.open(directoryId).catch(() => undefined);
    if (creds) r.add(Object.values(creds));
    return {
      text: (t) => r.text(t),
      lines: (l) => l.map((e) => ({ ...e, event: r.text(e.event), detail: r.text(e.detail) })),
    };
  }
}
