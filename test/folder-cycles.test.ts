import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../harness/root';

/**
 * Folders under src/ depend one way: features on a ground floor (orders, auth, audit, views,
 * database, queue, config, common), never on each other in a loop; files likewise. A change that
 * closes a loop fails here with the files that close it. src/'s own files (app.module.ts,
 * worker.module.ts, main.ts, worker.ts) are the composition roots and may import any folder.
 */
const SRC = join(PROJECT_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The top folder under src/ a path is in; undefined for src/'s own files. */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** `import … from './x'`, `export … from './x'` (type-only too) and a bare `import './x'`. */
const RELATIVE_IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\s+['"](\.[^'"]+)['"]/g;
/** Any package a file loads, however: `from 'x'`, `import 'x'`, `import('x')`, `require('x')`. */
const PACKAGE_LOAD = /(?:from\s+|import\s*\(?\s*|require\(\s*)['"]([^.'"][^'"]*)['"]/g;

/** file -> the src/ files it imports (`import ... from`, `export ... from`, type-only imports too). */
function fileGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const targets = [...readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)].map((m) => {
      const target = resolve(dirname(file), m[1] ?? m[2]);
      return existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts');
    });
    graph.set(file, targets);
  }
  return graph;
}

/** Each loop of the graph as one path `a -> b -> ... -> a` (one per strongly connected component). */
function loops<T>(graph: Map<T, Iterable<T>>, name: (n: T) => string): string[] {
  const found: string[] = [];
  const done = new Set<T>();
  for (const start of graph.keys()) {
    if (done.has(start)) continue;
    // Depth-first from `start`; a node met again on the current path closes a loop.
    const path: T[] = [];
    const onPath = new Set<T>();
    const visit = (n: T): boolean => {
      if (onPath.has(n)) {
        found.push([...path.slice(path.indexOf(n)), n].map(name).join(' -> '));
        return true;
      }
      if (done.has(n)) return false;
      path.push(n), onPath.add(n);
      for (const next of graph.get(n) ?? []) if (visit(next)) return true;
      path.pop(), onPath.delete(n), done.add(n);
      return false;
    };
    // A loop found: its nodes are reported, not searched again (one message per loop).
    if (visit(start)) for (const n of path) done.add(n);
  }
  return found;
}

const files = fileGraph();

it('no loop between folders under src/', () => {
  const folders = new Map<string, Set<string>>();
  const via = new Map<string, string>();
  for (const [file, targets] of files) {
    const from = folderOf(file);
    if (!from) continue;
    for (const target of targets) {
      const to = folderOf(target);
      if (!to || to === from) continue;
      folders.set(from, (folders.get(from) ?? new Set()).add(to));
      via.set(`${from}>${to}`, relative(PROJECT_ROOT, file));
    }
  }
  // Each step of a loop names a file that makes it, so the message says what to move.
  const explained = loops(folders, (f) => f).map((loop) => {
    const steps = loop.split(' -> ');
    return `${loop} (${steps.slice(1).map((to, i) => via.get(`${steps[i]}>${to}`)).join(', ')})`;
  });
  expect(explained).toEqual([]);
});

it('no loop between files under src/', () => {
  expect(loops(files, (f) => relative(PROJECT_ROOT, f))).toEqual([]);
});

it('the graph is read: it holds edges every order and attempt takes, and the ledger imports only common', () => {
  const ledger = join(SRC, 'orders', 'ledger.ts');
  expect(files.get(join(SRC, 'jobs', 'jobs.service.ts'))).toContain(ledger);
  expect(files.get(join(SRC, 'results', 'results.service.ts'))).toContain(ledger);
  expect(files.get(join(SRC, 'engine', 'listing-submitter.ts'))).toContain(join(SRC, 'common', 'response-log.ts'));
  const ordersImports = new Set([...files].filter(([f]) => folderOf(f) === 'orders').flatMap(([, targets]) => targets.map(folderOf).filter((t) => t !== 'orders')));
  expect([...ordersImports]).toEqual(['common']);
});

it('the adapter engine needs no fleet: nothing it reaches loads Nest, a database, a queue or the workers', () => {
  // Issue 14's remote worker and extension host the engine with an API key and nothing else.
  const engine = [...files.keys()].filter((f) => folderOf(f) === 'engine');
  expect(engine.length).toBeGreaterThan(10);
  const reached = new Set(engine);
  for (const f of reached) for (const t of files.get(f) ?? []) reached.add(t);
  const allowed = /^(engine\/|common\/response-log\.ts$|directories\/definition\/|customers\/customer-fields\.ts$|config\/config\.schema\.ts$|common\/(secret-box|crash-point)\.ts$)/;
  expect([...reached].map((f) => relative(SRC, f)).filter((f) => !allowed.test(f)).sort()).toEqual([]);
  const packages = new Set([...reached].flatMap((f) => [...readFileSync(f, 'utf8').matchAll(PACKAGE_LOAD)].map((m) => m[1])));
  expect([...packages].filter((p) => !['playwright-core', 'zod'].includes(p) && !p.startsWith('node:')).sort()).toEqual([]);
});

it('the checks find a loop when there is one', () => {
  const planted = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  expect(loops(planted, (n) => n)).toEqual(['a -> b -> c -> a']);
  expect(loops(new Map([['a', ['b']], ['b', []]]), (n) => n)).toEqual([]);
});

it('the sandbox stays outside: nothing in src/ outside src/sandbox imports it', () => {
  const importers = [...files].filter(([file, targets]) => folderOf(file) !== 'sandbox' && targets.some((t) => folderOf(t) === 'sandbox'));
  expect(importers.map(([file]) => relative(PROJECT_ROOT, file))).toEqual([]);
});
