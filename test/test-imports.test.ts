import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * scripts/ holds the project's commands (demo, test runner, catalogue export); what tests, scripts
 * and benchmarks share lives in harness/. A test that imports from scripts/ would tie the tests to
 * a command's innards, and the shared code would drift back there.
 */
const ROOT = resolve(__dirname, '..');
const SCRIPTS = join(ROOT, 'scripts') + sep;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of static imports, re-exports, require() and import(). */
function specifiers(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]*)['"]/gm);
  return [...found].map((m) => m[1]);
}

it('has no file under test/ import anything from scripts/', () => {
  const offenders = tsFiles(__dirname).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((spec) => resolve(dirname(file), spec).startsWith(SCRIPTS))
      .map((spec) => `${relative(ROOT, file)}: ${spec}`),
  );
  expect(offenders).toEqual([]);
});

it('sees an import from scripts/ where there is one', () => {
  const at = join(__dirname, 'support', 'x.ts');
  const spec = specifiers(`import { a } from '../../scripts/demo';\nconst b = require("../../scripts/test");\n`);
  expect(spec.map((s) => resolve(dirname(at), s).startsWith(SCRIPTS))).toEqual([true, true]);
});
