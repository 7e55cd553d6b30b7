import { join } from 'node:path';
import { PROJECT_ROOT } from '../harness/root';
import { browserSection } from './browser';
import { dashboardSection } from './dashboard';
import { intakeSection } from './intake';
import { pipelineSection } from './pipeline';
import { recoverySection } from './recovery';
import { scaleSection } from './scale';
import { type Figure, writeReport } from './report';
import { REPEAT, startSandboxProcess } from './support';

/**
 * `npm run bench`: Boltline's figures beside the raw ceilings measured in the same run on the same
 * machine (see docs/benchmarks.md). Prints one table and writes it, as markdown and JSON, to
 * bench/results/latest.{md,json}. BENCH_SECTIONS picks sections (comma-separated; all by default),
 * BENCH_REPEAT how often each figure is measured (3).
 */
const SECTIONS: Record<string, (sandboxUrl: string) => Promise<Figure[]>> = {
  browser: browserSection,
  pipeline: pipelineSection,
  intake: intakeSection,
  scale: scaleSection,
  dashboard: (url) => dashboardSection(url),
  recovery: recoverySection,
};

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_SECTIONS ?? Object.keys(SECTIONS).join(',')).split(',').filter(Boolean);
  const unknown = wanted.filter((s) => !(s in SECTIONS));
  if (unknown.length) throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')}; there are ${Object.keys(SECTIONS).join(', ')}`);
  const sandbox = await startSandboxProcess();
  const figures: Figure[] = [];
  try {
    for (const name of wanted) {
      const t = performance.now();
      console.log(`bench: ${name}...`);
      figures.push(...(await SECTIONS[name](sandbox.url)));
      console.log(`bench: ${name} took ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
  } finally {
    await sandbox.proc.kill('SIGTERM');
  }
  const dir = process.env.BENCH_OUT ?? join(PROJECT_ROOT, 'bench', 'results');
  console.log(`\n${writeReport(dir, figures, REPEAT)}\n\nwritten to ${dir}/latest.md and latest.json`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
