import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * One figure of `npm run bench`: a measure taken `samples.length` times in this run, and, when it
 * has one, the raw ceiling it is held against: another figure of the same run, by its `id`.
 */
export interface Figure {
  /** Unique within the run; what `ceiling` names. */
  id: string;
  /** The table's section: browser, pipeline, intake, scale, dashboard, recovery. */
  section: string;
  /** What was measured, in words: "Boltline, 2 workers × 2". */
  measure: string;
  unit: string;
  /** One value per repetition. */
  samples: number[];
  /** Whether more is better (throughput) or less (latency, memory). */
  better: 'higher' | 'lower';
  /** The figure this one is compared with: its ratio is median / ceiling's median (inverted for `lower`). */
  ceiling?: string;
  /** The issue's target for that ratio, when it sets one (0.75 for "≥ 75 % of the ceiling"). */
  target?: number;
  /**
   * The issue's absolute target for the median, when it sets one instead of (or beside) a ratio:
   * at most this (`better: 'lower'`: "p50 ≤ 20 ms") or at least this (`higher`), in `unit`.
   */
  bound?: number;
  /** Anything a reader needs to read the figure right (what a run did, why a target cannot be met here). */
  note?: string;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** p-th percentile (0..100) by nearest rank. */
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The ratio of a figure to its ceiling (≥ 1 is as good as the ceiling), or undefined without one. */
export function ratioOf(f: Figure, all: Figure[]): number | undefined {
  const c = f.ceiling ? all.find((x) => x.id === f.ceiling) : undefined;
  if (!c || !f.samples.length || !c.samples.length) return undefined;
  const [mine, theirs] = [median(f.samples), median(c.samples)];
  return f.better === 'higher' ? mine / theirs : theirs / mine;
}

/** Whether the figure's median is within its absolute {@link Figure.bound} (true without one). */
export function meetsBound(f: Figure): boolean {
  if (f.bound === undefined || !f.samples.length) return true;
  return f.better === 'lower' ? median(f.samples) <= f.bound : median(f.samples) >= f.bound;
}

export interface Machine {
  date: string;
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
}

export function machine(): Machine {
  return {
    date: new Date().toISOString().slice(0, 10),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
  };
}

/** The table, in markdown: median and min–max of each figure, its ceiling, the ratio and whether it meets its target. */
export function markdown(figures: Figure[], m: Machine, repeat: number): string {
  const lines = [
    `Boltline bench, ${m.date}, ${m.cores} cores, ${m.memoryGiB} GiB (${m.cpu}), Node ${m.node}; medians of ${repeat} runs (min–max).`,
    '',
    '| section | measure | median (min–max) | against | ratio | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const c = f.ceiling ? figures.find((x) => x.id === f.ceiling) : undefined;
    const r = ratioOf(f, figures);
    const range = f.samples.length > 1 ? ` (${fmt(Math.min(...f.samples))}–${fmt(Math.max(...f.samples))})` : '';
    const value = f.samples.length ? `${fmt(median(f.samples))} ${f.unit}${range}` : 'not measured';
    const targets = [
      f.target === undefined ? '' : `≥ ${Math.round(f.target * 100)} % ${r === undefined ? '' : r >= f.target ? '✔' : '✘'}`,
      f.bound === undefined ? '' : `${f.better === 'lower' ? '≤' : '≥'} ${fmt(f.bound)} ${f.unit} ${!f.samples.length ? '' : meetsBound(f) ? '✔' : '✘'}`,
    ];
    const target = targets.filter(Boolean).join('; ');
    lines.push(`| ${f.section} | ${f.measure}${f.note ? ` (${f.note})` : ''} | ${value} | ${c ? c.measure : ''} | ${r === undefined ? '' : `${Math.round(r * 100)} %`} | ${target} |`);
  }
  return lines.join('\n');
}

/** Writes `latest.json` and `latest.md` under `dir` and returns the markdown. */
export function writeReport(dir: string, figures: Figure[], repeat: number): string {
  const m = machine();
  const md = markdown(figures, m, repeat);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ machine: m, repeat, figures: figures.map((f) => ({ ...f, median: f.samples.length ? median(f.samples) : null, ratio: ratioOf(f, figures) ?? null })) }, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), `${md}\n`);
  return md;
}
