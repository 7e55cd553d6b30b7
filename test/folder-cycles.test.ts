import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../scripts/support/root';

/**
 * Folders under src/ should depend one way: features on a ground floor, never on each other in a
 * loop. Some still do (issue 13 untangles them); this test lets that list only shrink. A change
 * that makes a new pair of folders import each other, or pulls another folder into a loop, fails
 * here with the files that did it.
 */

/** Pairs of folders that import each other today. Remove a pair once it is untangled. */
const KNOWN_PAIRS = [
  'jobs<->live',
  'jobs<->results',
];

const SRC = join(PROJECT_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The top folder under src/ a path is in; undefined for src/'s own files (the composition roots). */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** folder -> folder it imports -> the files that do. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from\s+['"](\.[^'"]+)['"]/g)) {
      const to = folderOf(resolve(dirname(file), m[1]));
      if (!to || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), relative(PROJECT_ROOT, file)]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Folders that sit in some loop (strongly connected components of more than one folder). */
function foldersInLoops(graph: Map<string, Map<string, string[]>>): Set<string> {
  const reach = (start: string) => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) for (const next of graph.get(stack.pop() as string)?.keys() ?? []) if (!seen.has(next)) seen.add(next), stack.push(next);
    return seen;
  };
  return new Set([...graph.keys()].filter((f) => reach(f).has(f)));
}

const graph = folderGraph();

it('no new pair of src/ folders imports each other, and each known pair is still real (else remove it from the list)', () => {
  const pairs = [...graph].flatMap(([a, edges]) => [...edges.keys()].filter((b) => a < b && graph.get(b)?.has(a)).map((b) => `${a}<->${b}`)).sort();
  const added = pairs.filter((p) => !KNOWN_PAIRS.includes(p)).map((p) => {
    const [a, b] = p.split('<->');
    return `${p}: ${graph.get(a)?.get(b)?.[0]} and ${graph.get(b)?.get(a)?.[0]}`;
  });
  expect(added).toEqual([]);
  expect(KNOWN_PAIRS.filter((p) => !pairs.includes(p))).toEqual([]);
});

it('no folder outside the known loops joins one', () => {
  const known = new Set(KNOWN_PAIRS.flatMap((p) => p.split('<->')));
  // Folders in longer loops (a -> b -> c -> a) besides those in the pairs above: none today.
  const inLongerLoops: string[] = [];
  for (const f of inLongerLoops) known.add(f);
  expect([...foldersInLoops(graph)].filter((f) => !known.has(f)).sort()).toEqual([]);
});

it('the sandbox stays outside: nothing in src/ outside src/sandbox imports it', () => {
  const importers = [...graph].filter(([from, edges]) => from !== 'sandbox' && edges.has('sandbox')).flatMap(([, edges]) => edges.get('sandbox') ?? []);
  expect(importers).toEqual([]);
});
