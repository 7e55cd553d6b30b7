import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies } from 'semver';
import { supportedMajors, supportedRange, unsupportedNode } from '../harness/node-support';

/**
 * The Node versions package.json declares are the ones Boltline is proven on: every dependency
 * accepts them, the image is built on one of them, and CI runs the tests on each.
 */
const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const range = supportedRange();
const majors = supportedMajors(range);

describe('supported Node versions', () => {
  it('are current LTS lines, newest last, each from its first version every dependency accepts', () => {
    expect(majors.length).toBeGreaterThan(0);
    expect(majors.every((m) => m % 2 === 0)).toBe(true); // even majors are the LTS lines
    expect([...majors].sort((a, b) => a - b)).toEqual(majors);
    expect(majors).not.toContain(20); // end of life since 2026-04-30
  });

  it('are accepted by every installed package, from the lowest version of each major', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } }> };
    const lowest = range.split('||').map((part) => minVersion(part.trim())!.version);
    const refusals = Object.entries(lock.packages)
      .filter(([path, p]) => path && typeof p.engines?.node === 'string')
      .flatMap(([path, p]) =>
        lowest.filter((v) => !satisfies(v, p.engines!.node!)).map((v) => `${path.replace(/^.*node_modules\//, '')} (${p.engines!.node}) refuses Node ${v}`),
      );
    expect(refusals).toEqual([]);
  });

  it('include the image the Dockerfile builds on', () => {
    const bases = [...read('Dockerfile').matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    expect(bases.every((b) => majors.includes(b))).toBe(true);
  });

  it('are what CI installs and tests with, read from package.json', () => {
    const ci = read('.ci/run');
    expect(ci).toContain('engines.node');
    expect(ci).toMatch(/npx -y -p "node@\$\{major\}"/);
    expect(ci).toMatch(/for major in \$majors/);
  });

  it('refuse an unsupported Node with the fix, and accept a supported one', () => {
    expect(unsupportedNode('v20.20.2', '^22.12.0 || ^24.0.0')).toMatch(/this is Node v20\.20\.2.*npx -p node@24/);
    expect(unsupportedNode('v22.11.0', '^22.12.0 || ^24.0.0')).toBeDefined();
    expect(unsupportedNode('v22.12.0', '^22.12.0 || ^24.0.0')).toBeUndefined();
    expect(unsupportedNode('v24.21.0', '^22.12.0 || ^24.0.0')).toBeUndefined();
    expect(unsupportedNode('v26.0.0', '^22.12.0 || ^24.0.0')).toBeDefined();
    expect(() => supportedMajors('>=22')).toThrow(/"\^X\.Y\.Z" alternatives/);
  });
});
