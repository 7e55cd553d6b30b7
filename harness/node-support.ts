import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from 'semver';
import { PROJECT_ROOT } from './root';

/**
 * The Node versions Boltline supports are package.json's `engines.node`, written as one `^X.Y.Z`
 * per major (`^22.12.0 || ^24.0.0`): `.ci/run` reads the majors from it and runs the tests on each,
 * and test/node-support.test.ts checks that every dependency accepts them.
 */
export function supportedRange(): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  return pkg.engines.node;
}

/** The majors of the supported range, newest last. */
export function supportedMajors(range = supportedRange()): number[] {
  return range.split('||').map((part) => {
    const m = /^\^(\d+)\.\d+\.\d+$/.exec(part.trim());
    if (!m) throw new Error(`engines.node must be "^X.Y.Z" alternatives joined by "||", found "${part.trim()}"`);
    return Number(m[1]);
  });
}

/** Why this Node cannot run Boltline, with the fix; undefined when it can. */
export function unsupportedNode(version = process.version, range = supportedRange()): string | undefined {
  if (satisfies(version, range)) return undefined;
  const newest = Math.max(...supportedMajors(range));
  return (
    `Boltline runs on Node ${range}; this is Node ${version}. Install Node ${newest} LTS ` +
    `(https://nodejs.org, or \`nvm install ${newest}\`), or take one from the npm registry for this command: ` +
    `\`npx -p node@${newest} npm ...\`.`
  );
}
