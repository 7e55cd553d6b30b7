import { join, sep } from 'node:path';

/** The project's root, from scripts/support (under jest) or dist/scripts/support (built). */
export const PROJECT_ROOT = join(__dirname, '..', '..', ...(__dirname.includes(`${sep}dist${sep}`) ? ['..'] : []));
