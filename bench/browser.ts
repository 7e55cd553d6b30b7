import { readFileSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { descendants } from '../harness/processes';
import { createTestDatabase } from '../harness/database';
import { loadConfig, parseConfig } from '../src/config/config.schema';
import { CataloguePolicy } from '../src/egress/catalogue-policy.service';
import { EgressProxy } from '../src/egress/egress-proxy.service';
import { checkBrowser } from '../src/engine/browser-check';
import { stepTimeoutMs } from '../src/engine/timeouts';
import { runAdapter } from '../src/engine/form-runner';
import { launchOptions } from '../src/engine/launch';
import { importSandboxCatalogue, sandboxCatalogue, type SandboxDirectory } from '../src/sandbox/catalogue';
import { type Figure, median } from './report';
import { benchCustomer, machineBusySeconds, peakOf, pssMiB, REPEAT, startBenchStack, wellBehavedDirectories } from './support';

/**
 * Browser throughput: the same well-behaved sandbox forms filled by Boltline (API, workers,
 * queue, database) and by two raw Playwright loops in this process that use the engine's own form
 * runner and nothing else: pages opened once and reused (the ceiling), and a fresh context per
 * form (the naive way). Settings: BENCH_FORMS (40), BENCH_BROWSER_CONFIGS ("1x2,1x4,1x8,2x2,2x4":
 * worker processes × concurrency), BENCH_RAW_PAGES ("2,4,8").
 */
const FORMS = Number(process.env.BENCH_FORMS ?? 40);
const CONFIGS = (process.env.BENCH_BROWSER_CONFIGS ?? '1x2,1x4,1x8,2x2,2x4').split(',').filter((c) => c.trim()).map((c): [number, number] => {
  const m = /^(\d+)x(\d+)$/.exec(c.trim());
  if (!m || !Number(m[1]) || !Number(m[2])) throw new Error(`BENCH_BROWSER_CONFIGS: "${c}" is not <workers>x<concurrency>, e.g. 2x2`);
  return [Number(m[1]), Number(m[2])];
});
/** Empty: no raw loops (to profile Boltline alone). */
const RAW_PAGES = (process.env.BENCH_RAW_PAGES ?? '2,4,8').split(',').filter(Boolean).map(Number);
/** Slots the fresh-context loop runs: the comparison (4 pages, 2 workers × 2). */
const FRESH_SLOTS = 4;

interface RawRun {
  seconds: number;
  cpuSeconds: number;
  pssMiB: number;
}

/**
 * Fills `forms` with `slots` parallel loops; each loop either keeps one page or opens a context per
 * form, behind `egress` (the workers' proxy, a lease per context as a worker takes) when given.
 */
async function rawRun(browser: Browser, forms: SandboxDirectory[], slots: number, fresh: boolean, egress?: EgressProxy): Promise<RawRun> {
  const values = benchCustomer();
  const queue = [...forms];
  const gate = { open: async () => Date.now() + 60_000 };
  const fill = async (page: Page, d: SandboxDirectory) => {
    const r = await runAdapter(page, d.adapter, d.submitUrl, values, () => undefined, gate, stepTimeoutMs(loadConfig()));
    if (r.kind !== 'submitted') throw new Error(`raw loop: ${d.id} answered ${r.kind}: ${r.message}`);
  };
  const peak = peakOf(() => chromiumPssMiB(process.pid));
  const cpu0 = machineBusySeconds();
  const t0 = performance.now();
  const shared = fresh ? undefined : await browser.newContext();
  await Promise.all(Array.from({ length: slots }, async () => {
    const page = shared ? await shared.newPage() : undefined;
    for (let d = queue.shift(); d; d = queue.shift()) {
      if (page) {
        await fill(page, d);
        continue;
      }
      const lease = await egress?.lease();
      try {
        const context = await browser.newContext(lease ? { proxy: lease.proxy } : {});
        try {
          await fill(await context.newPage(), d);
        } finally {
          await context.close();
        }
      } finally {
        lease?.end();
      }
    }
  }));
  await shared?.close();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpuSeconds: machineBusySeconds() - cpu0, pssMiB: peak.stop() };
}

/** The workers' egress proxy in this process, its policy read from a scratch database holding the sandbox's catalogue. */
async function withEgressProxy<T>(sandboxUrl: string, use: (egress: EgressProxy) => Promise<T>): Promise<T> {
  const db = await createTestDatabase('bench');
  let egress: EgressProxy | undefined;
  try {
    egress = new EgressProxy(new CataloguePolicy(db.dataSource, parseConfig({ ...process.env, EGRESS_PRIVATE_ORIGINS: sandboxUrl })));
    await importSandboxCatalogue(db.dataSource.manager, sandboxUrl);
    await egress.onModuleInit();
    return await use(egress);
  } finally {
    await egress?.onApplicationShutdown();
    await db.drop();
  }
}

/** PSS of the Chromium processes under `root` (the raw loops' browsers are this process's children; the sandbox is not Chromium). */
function chromiumPssMiB(root: number): number {
  return pssMiB(descendants(root).filter((p) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${p}/comm`, 'utf8'));
    } catch {
      return false;
    }
  }));
}

export async function browserSection(sandboxUrl: string): Promise<Figure[]> {
  const ids = new Set(wellBehavedDirectories(FORMS));
  const forms = sandboxCatalogue(`${sandboxUrl}/`).filter((d) => ids.has(d.id));
  const figures: Figure[] = [];
  const note = `${forms.length} well-behaved sandbox forms, all five layouts`;

  // The raw loops: the engine's form runner on Playwright, nothing else (no queue, no database; no
  // proxy but in the one loop that measures the egress proxy's cost).
  const plan = await checkBrowser(loadConfig());
  // Stock Playwright: the workers' executable and sandbox mode, none of their flags, no proxy.
  const launchRaw = (workersFlags: boolean, egress: boolean) => chromium.launch(launchOptions(workersFlags ? plan : { ...plan, disabledFeatures: undefined }, { egress }));
  const raw = async (slots: number, fresh: boolean, workersFlags = false, egress?: EgressProxy) => {
    const runs: RawRun[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const browser = await launchRaw(workersFlags, !!egress);
      try {
        runs.push(await rawRun(browser, forms, slots, fresh, egress));
      } finally {
        await browser.close();
      }
    }
    return runs;
  };
  for (const pages of RAW_PAGES) {
    const runs = await raw(pages, false);
    figures.push(...browserFigures(`raw-reused-${pages}`, `raw Playwright, ${pages} reused page${pages > 1 ? 's' : ''}`, runs, forms.length, pages));
  }
  const freshRuns = RAW_PAGES.length ? await raw(FRESH_SLOTS, true) : [];
  if (freshRuns.length) figures.push(...browserFigures(`raw-fresh-${FRESH_SLOTS}`, `raw Playwright, a fresh context per form, ${FRESH_SLOTS} at a time`, freshRuns, forms.length, FRESH_SLOTS));
  // What a context per form costs once Chromium opens no browser-UI page for it (the workers' flags):
  // the reason workers keep one context per submission rather than sharing pages between forms.
  const freshFlagged = RAW_PAGES.length && plan.disabledFeatures ? await raw(FRESH_SLOTS, true, true) : [];
  if (freshFlagged.length) {
    figures.push(...browserFigures(`raw-fresh-flags-${FRESH_SLOTS}`, `raw Playwright with the workers' flags, a fresh context per form, ${FRESH_SLOTS} at a time`, freshFlagged, forms.length, FRESH_SLOTS, `raw-reused-${FRESH_SLOTS}`));
    // The same behind the workers' egress proxy, held against it: what the proxy costs per form.
    const proxied = await withEgressProxy(sandboxUrl, (egress) => raw(FRESH_SLOTS, true, true, egress));
    figures.push(...browserFigures(`raw-fresh-flags-egress-${FRESH_SLOTS}`, `the same behind the workers' egress proxy (in this process, a lease per context)`, proxied, forms.length, FRESH_SLOTS, `raw-fresh-flags-${FRESH_SLOTS}`));
  }

  // Boltline: one order of the same forms, approved, until it completed.
  const stack = await startBenchStack(sandboxUrl);
  try {
    for (const [workers, concurrency] of CONFIGS) {
      await stack.startWorkers(workers, { WORKER_CONCURRENCY: String(concurrency) });
      // Unmeasured: the workers launch Chromium on their first form, which the raw loops do before their clock starts.
      await stack.order([...ids].slice(0, workers * concurrency));
      const runs: RawRun[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const peak = peakOf(() => stack.workers.reduce((s, w) => s + chromiumPssMiB(w.child.pid as number), 0));
        const cpu0 = machineBusySeconds();
        const { seconds } = await stack.order([...ids]);
        runs.push({ seconds, cpuSeconds: machineBusySeconds() - cpu0, pssMiB: peak.stop() });
      }
      await stack.stopWorkers();
      const slots = workers * concurrency;
      // Held against the raw loop with as many pages as Boltline has slots (or the nearest below).
      const ceiling = [...RAW_PAGES].sort((a, b) => b - a).find((p) => p <= slots) ?? RAW_PAGES[0];
      figures.push(...browserFigures(`boltline-${workers}x${concurrency}`, `Boltline, ${workers} worker${workers > 1 ? 's' : ''} × ${concurrency}`, runs, forms.length, slots, `raw-reused-${ceiling}`));
    }
  } finally {
    await stack.stop();
  }
  // The targets: the best Boltline configuration against the best raw reused pages, and
  // Boltline with as many slots as the fresh-context loop against it.
  const best = (fs: Figure[]) => fs.filter((f) => f.unit === 'forms/s').sort((a, b) => median(b.samples) - median(a.samples))[0];
  const ofPrefix = (prefix: string) => figures.filter((f) => f.id.startsWith(prefix));
  const [bolt, ceiling, fresh] = [best(ofPrefix('boltline-')), best(ofPrefix('raw-reused-')), figures.find((f) => f.id === `raw-fresh-${FRESH_SLOTS}`)];
  const sameSlots = best(ofPrefix('boltline-').filter((f) => CONFIGS.some(([w, c]) => w * c === FRESH_SLOTS && f.id === `boltline-${w}x${c}`)));
  if (bolt && ceiling) {
    figures.push({ id: 'browser-best-vs-ceiling', section: 'browser', measure: `best Boltline (${bolt.measure.replace('Boltline, ', '')}) against the best raw reused pages`, unit: 'forms/s', samples: bolt.samples, better: 'higher', ceiling: ceiling.id, target: 0.75, note });
  }
  if (ceiling && fresh) {
    // Boltline fills the same forms, so it cannot beat the ceiling: this is the most the ratio below could be.
    figures.push({ id: 'browser-ceiling-vs-fresh', section: 'browser', measure: `the ceiling itself (${ceiling.measure.replace('raw Playwright, ', '')}) against the fresh-context way: the bound on the next row`, unit: 'forms/s', samples: ceiling.samples, better: 'higher', ceiling: fresh.id });
  }
  if (sameSlots && fresh) {
    figures.push({ id: 'browser-vs-fresh', section: 'browser', measure: `Boltline (${sameSlots.measure.replace('Boltline, ', '')}) against the fresh-context way, ${FRESH_SLOTS} slots each`, unit: 'forms/s', samples: sameSlots.samples, better: 'higher', ceiling: fresh.id, target: 1.8, note: 'the raw loop with stock Playwright flags' });
  }
  return figures;
}

function browserFigures(id: string, measure: string, runs: RawRun[], forms: number, slots: number, ceiling?: string): Figure[] {
  return [
    { id, section: 'browser', measure, unit: 'forms/s', samples: runs.map((r) => forms / r.seconds), better: 'higher', ceiling },
    { id: `${id}-cpu`, section: 'browser', measure: `${measure}: machine CPU per form`, unit: 'CPU-s', samples: runs.map((r) => r.cpuSeconds / forms), better: 'lower', ceiling: ceiling && `${ceiling}-cpu` },
    { id: `${id}-mem`, section: 'browser', measure: `${measure}: Chromium's peak memory per slot`, unit: 'MiB', samples: runs.map((r) => r.pssMiB / slots), better: 'lower' },
  ];
}
