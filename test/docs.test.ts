import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { configSchema } from '../src/config/config.schema';

/**
 * The README is the front door and docs/ holds the rest; these checks keep them true as the code
 * moves: every link and anchor resolves, every path and npm script named exists, every document is
 * reachable from the README, and docs/configuration.md lists exactly the variables the config
 * schema reads.
 */
const ROOT = resolve(__dirname, '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const docFiles = readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f));
const markdownFiles = [README, ...docFiles];
const read = (file: string) => readFileSync(file, 'utf8');
const rel = (file: string) => relative(ROOT, file);

/** Fenced code blocks are shown as text, not read as links or paths. */
const prose = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '');

/** Markdown links and images: [text](target) and ![alt](target). */
function links(md: string): string[] {
  return [...prose(md).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = text
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Problems with one file's relative links: missing targets and anchors that name no heading. */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const target of links(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http(s):, mailto: and the like
    const [path, anchor] = target.split('#');
    const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    if (!existsSync(resolved)) {
      problems.push(`${rel(file)}: link to ${target}: no such file`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
      problems.push(`${rel(file)}: link to ${target}: ${rel(resolved)} has no heading with anchor #${anchor}`);
    }
  }
  return problems;
}

/** Inline code that names a file or folder of this repository, e.g. `src/config/config.schema.ts`. */
function repoPaths(md: string): string[] {
  const paths = [...prose(md).matchAll(/`([^`\s]+)`/g)].map((m) => m[1]);
  return paths.filter(
    (p) =>
      /^(src|test|scripts|bench|migrations|docs|\.ci)\/|^(Dockerfile|docker-compose\.yml|package\.json|jest\.config\.js)$/.test(p) &&
      !/[*<>…]/.test(p), // globs and placeholders
  );
}

function tsFiles(path: string): string[] {
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((f) => tsFiles(join(path, f)));
  return path.endsWith('.ts') ? [path] : [];
}

/** The variables of one table, found under the heading given: rows that start with `NAME`. */
function tableVariables(md: string, heading: string): string[] {
  const start = md.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/configuration.md has no "## ${heading}" section`);
  const rest = md.slice(start + heading.length + 5);
  const section = rest.slice(0, rest.search(/\n## |$/));
  return [...section.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]);
}

describe('documentation', () => {
  it('has no broken links or anchors in the README or docs/', () => {
    expect(markdownFiles.flatMap(brokenLinks)).toEqual([]);
  });

  it('links every document in docs/ from the README', () => {
    const linked = new Set(
      links(read(README))
        .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
        .map((t) => resolve(ROOT, decodeURIComponent(t.split('#')[0]))),
    );
    expect(docFiles.filter((f) => !linked.has(f)).map(rel)).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    const missing = markdownFiles.flatMap((f) => repoPaths(read(f)).filter((p) => !existsSync(join(ROOT, p))).map((p) => `${rel(f)}: ${p}`));
    expect(missing).toEqual([]);
  });

  it('names only npm scripts that package.json has', () => {
    const scripts: Record<string, string> = JSON.parse(read(join(ROOT, 'package.json'))).scripts;
    const missing = markdownFiles.flatMap((f) =>
      [...read(f).matchAll(/\bnpm (?:run (\S+?)|(test|start))(?=[`\s,;)]|$)/gm)]
        .map((m) => m[1] ?? m[2])
        .filter((name) => !(name in scripts))
        .map((name) => `${rel(f)}: npm run ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('opens the README with the two set-up commands', () => {
    const firstBlock = read(README).match(/```bash\n([\s\S]*?)```/)?.[1] ?? '';
    expect(firstBlock).toContain('npm ci && npm run demo');
    expect(firstBlock).toMatch(/^npm test\b/m);
  });

  describe('docs/configuration.md', () => {
    const configurationDoc = () => read(join(DOCS, 'configuration.md'));

    it('lists exactly the variables in src/config/config.schema.ts, once each', () => {
      const documented = tableVariables(configurationDoc(), 'Application settings');
      const schema = Object.keys(configSchema.shape);
      expect({
        undocumented: schema.filter((v) => !documented.includes(v)),
        notInSchema: documented.filter((v) => !schema.includes(v)),
        listedTwice: documented.filter((v, i) => documented.indexOf(v) !== i),
      }).toEqual({ undocumented: [], notInSchema: [], listedTwice: [] });
    });

    it('lists only tool variables that some script or test reads', () => {
      const sources = [...['src', 'scripts', 'harness', 'test', 'bench'].flatMap((dir) => tsFiles(join(ROOT, dir))), join(ROOT, 'jest.config.js')].map(read).join('\n');
      const tools = tableVariables(configurationDoc(), 'Variables read by the tools');
      expect(tools.length).toBeGreaterThan(0);
      expect(tools.filter((v) => !sources.includes(`process.env.${v}`))).toEqual([]);
    });
  });
});
