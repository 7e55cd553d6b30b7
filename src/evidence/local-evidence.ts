import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { evidenceFolderOf, screenshotFile } from './screenshots';
import type { Evidence, EvidenceStore } from './evidence-store';

/** Screenshots stay where the browser wrote them, under ARTIFACT_DIR (one machine, or a shared volume). */
export class LocalEvidence implements EvidenceStore {
  constructor(private readonly artifactDir: string) {}

  async keep(file: string): Promise<string> {
    return file;
  }

  async open(stored: string): Promise<Evidence | undefined> {
    const file = await screenshotFile(this.artifactDir, stored);
    if (!file) return undefined;
    const { size, mtimeMs } = await stat(file);
    return { body: createReadStream(file), size, etag: `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"` };
  }

  async removeOrder(jobId: string): Promise<number> {
    const folder = evidenceFolderOf(this.artifactDir, jobId);
    const files = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
    await rm(folder, { recursive: true, force: true });
    return files.filter((f) => f.isFile()).length;
  }
}
