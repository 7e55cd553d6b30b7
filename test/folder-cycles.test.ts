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

/** `import … from './x'`, `export … from './x'` (type-only too), a bare `import './x'`, `import('./x')` and `require('./x')`. */
const RELATIVE_IMPORT = /(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]|import\s+['"](\.[^'"]+)['"]|(?:import|require)\(\s*['"](\.[^'"]+)['"]/g;
/** `import type …` and `export type … from`: erased from the JavaScript, so nothing is loaded at run time. */
const TYPE_ONLY = /^(?:import|export)\s+type\s/;
/** Any package a file loads, however: `from 'x'`, `import 'x'`, `import('x')`, `require('x')`. */
const PACKAGE_LOAD = /(?:from\s+|import\s*\(?\s*|require\(\s*)['"]([^.'"][^'"]*)['"]/g;

interface Import {
  target: string;
  /** Erased from the JavaScript (`import type`); `import { type A }` counts as loaded, to be safe. */
  typeOnly: boolean;
}

/** file -> the src/ files it imports. */
function importGraph(): Map<string, Import[]> {
  const graph = new Map<string, Import[]>();
  for (const file of sources(SRC)) {
    const imports = [...readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)].map((m) => {
      const target = resolve(dirname(file), m[1] ?? m[2] ?? m[3]);
      return { target: existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'), typeOnly: TYPE_ONLY.test(m[0]) };
    });
    graph.set(file, imports);
  }
  return graph;
}

const imports = importGraph();
/** file -> the src/ files it imports (`import ... from`, `export ... from`, type-only imports too). */
const files = new Map([...imports].map(([file, list]) => [file, list.map((i) => i.target)]));

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

/**
 * What a host of the engine loads at run time, following every file it imports (type-only imports
 * are erased from the JavaScript), and the packages those files load; `typesFrom`: the src/ files
 * whose types it names besides.
 */
function reach(start: string[]): { files: string[]; packages: string[]; typesFrom: string[] } {
  const reached = new Set(start);
  const typesFrom = new Set<string>();
  for (const f of reached) for (const i of imports.get(f) ?? []) (i.typeOnly ? typesFrom : reached).add(i.target);
  const packages = new Set([...reached].flatMap((f) => [...readFileSync(f, 'utf8').matchAll(PACKAGE_LOAD)].map((m) => m[1])));
  const names = (set: Set<string>) => [...set].map((f) => relative(SRC, f)).sort();
  return { files: names(reached), packages: [...packages].sort(), typesFrom: names(typesFrom).filter((f) => !reached.has(join(SRC, f))) };
}

/** What the engine needs at run time: definitions (zod schemas) and the customer fields they name. */
const ENGINE_NEEDS = /^(engine\/|common\/response-log\.ts$|directories\/definition\/|customers\/customer-fields\.ts$)/;
/** The settings' type: hosts pass the fields they read (src/engine/timeouts.ts, browser-check.ts). */
const CONFIG_TYPE = 'config/config.schema.ts';
const ENGINE_PACKAGES = ['playwright-core', 'zod'];
const isNode = (p: string) => p.startsWith('node:');

it('the adapter engine needs no fleet: nothing it loads is Nest, a database, a queue, the workers or the config', () => {
  // Issue 14's remote worker and extension host the engine with an API key and nothing else.
  const engine = [...files.keys()].filter((f) => folderOf(f) === 'engine');
  expect(engine.length).toBeGreaterThan(10);
  const { files: reached, packages, typesFrom } = reach(engine);
  expect(reached.filter((f) => !ENGINE_NEEDS.test(f))).toEqual([]);
  expect(typesFrom.filter((f) => f !== CONFIG_TYPE && !ENGINE_NEEDS.test(f))).toEqual([]);
  expect(packages.filter((p) => !ENGINE_PACKAGES.includes(p) && !isNode(p))).toEqual([]);
});

it('the remote worker holds only the engine and the lease protocol: no Nest, pg, typeorm, ioredis, bullmq or config', () => {
  const worker = [...files.keys()].filter((f) => folderOf(f) === 'remote-worker');
  expect(worker.map((f) => relative(SRC, f))).toContain('remote-worker/main.ts');
  const { files: reached, packages, typesFrom } = reach(worker);
  const allowed = (f: string) => folderOf(join(SRC, f)) === 'remote-worker' || f === 'leases/protocol.ts' || ENGINE_NEEDS.test(f);
  expect(reached.filter((f) => !allowed(f))).toEqual([]);
  // It does run the engine (the same one as the fleet's workers), and speaks the protocol.
  expect(reached).toEqual(expect.arrayContaining(['engine/attempt.ts', 'engine/browser-check.ts', 'leases/protocol.ts']));
  expect(typesFrom.filter((f) => f !== CONFIG_TYPE && !allowed(f))).toEqual([]);
  expect(packages.filter((p) => !ENGINE_PACKAGES.includes(p) && !isNode(p))).toEqual([]);
});

it('the reach check follows what is loaded, not what is named: a type-only import loads nothing', () => {
  // timeouts.ts names AppConfig's type; a runtime import of the config would load zod schemas of
  // every setting, and the remote worker's environment has none of them.
  expect(imports.get(join(SRC, 'engine', 'timeouts.ts'))).toContainEqual({ target: join(SRC, CONFIG_TYPE), typeOnly: true });
  expect(reach([join(SRC, 'engine', 'timeouts.ts')]).files).not.toContain(CONFIG_TYPE);
  expect(reach([join(SRC, 'worker.ts')]).files).toContain(CONFIG_TYPE);
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
