import { join, sep } from 'node:path';

/** The project's root, from harness/ (under jest) or dist/harness/ (built). */
export const PROJECT_ROOT = join(__dirname, '..', ...(__dirname.includes(`${sep}dist${sep}`) ? ['..'] : []));
