import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * This worker's version, shown on the staff dashboard: Boltline's package.json's, found above
 * this file (src/remote-worker under ts-jest, dist/src/remote-worker when built).
 */
export function workerVersion(): string {
  for (let dir = dirname(__dirname), i = 0; i < 3; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'boltline' && pkg.version) return pkg.version;
    } catch {
      // not here: one folder up
    }
  }
  return 'unknown';
}
