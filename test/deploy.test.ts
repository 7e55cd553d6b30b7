import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metric } from 'prom-client';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../harness/root';
import { Metrics } from '../src/metrics/metrics';
import { QUEUE_STATES, StoreGauges } from '../src/metrics/store-gauges';
import { RESULT_STATUSES } from '../src/orders/statuses';
import { QUEUE_NAMES } from '../src/queue/queue.constants';
import { WorkerGauges } from '../src/workers/worker-gauges';

/**
 * What deploy/ gives operators agrees with the code: the alert rules and the Grafana dashboard
 * name only metrics, labels and label values that Boltline's processes serve.
 */
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** Every metric either kind of process registers (the scrape-time gauges' owners need no stores to register). */
const reg = (() => {
  const metrics = new Metrics();
  new StoreGauges(metrics, {} as never, {} as never, {} as never).onModuleInit();
  new WorkerGauges(metrics, {} as never, {} as never, {} as never).onModuleInit();
  return metrics.registry;
})();

/** The values a label may take, where the code fixes them. */
const KNOWN_VALUES: Record<string, readonly string[]> = { outcome: RESULT_STATUSES, state: [...QUEUE_STATES, 'busy', 'free'], queue: QUEUE_NAMES };

/** Problems with one PromQL expression: unknown metrics, labels or label values. */
function problemsOf(expr: string): string[] {
  const problems: string[] = [];
  for (const m of expr.matchAll(/\b((?:boltline|nodejs|process)_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const [, name, , selector] = m;
    const base = name.replace(/_(bucket|count|sum)$/, '');
    const metric = (reg.getSingleMetric(name) ?? reg.getSingleMetric(base)) as (Metric & { labelNames?: string[] }) | undefined;
    if (!metric) {
      problems.push(`no metric ${name}`);
      continue;
    }
    for (const [, label, op, value] of (selector ?? '').matchAll(/([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      if (label !== 'le' && !(metric.labelNames ?? []).includes(label)) problems.push(`${name} has no label ${label}`);
      const known = KNOWN_VALUES[label];
      const values = op.endsWith('~') ? value.split('|') : [value];
      if (known && !value.includes('.')) for (const v of values) if (!known.includes(v)) problems.push(`${name}{${label}}: no value ${v}`);
    }
  }
  return problems;
}

describe('deploy/prometheus/boltline-alerts.yml', () => {
  const rules = (parse(read('deploy/prometheus/boltline-alerts.yml')) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> }).groups.flatMap((g) => g.rules);

  it('is a rule file of alerts, each with a severity, a summary and a duration', () => {
    expect(rules.length).toBeGreaterThanOrEqual(3);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect([r.alert, Object.keys(r).filter((k) => !['alert', 'expr', 'for', 'labels', 'annotations'].includes(k))]).toEqual([r.alert, []]);
      expect([r.alert, typeof r.expr, r.for]).toEqual([r.alert, 'string', expect.stringMatching(/^\d+[smh]$/)]);
      expect([r.alert, (r.labels as { severity: string }).severity]).toEqual([r.alert, expect.stringMatching(/^(critical|warning|info)$/)]);
      expect([r.alert, typeof (r.annotations as { summary: unknown }).summary]).toEqual([r.alert, 'string']);
    }
  });

  it('names only metrics, labels and values the processes serve', () => {
    for (const r of rules) expect([r.alert, problemsOf(r.expr as string)]).toEqual([r.alert, []]);
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['BoltlineDirectoryFailing', 'BoltlineRelayLagging', 'BoltlineNoWorkerTakingWork']));
  });

  it('would catch a metric that does not exist', () => {
    expect(problemsOf('rate(boltline_submissions_total[5m])')).toEqual(['no metric boltline_submissions_total']);
    expect(problemsOf('boltline_submission_attempts_total{outcome="succeeded", site="x"}')).toEqual([
      'boltline_submission_attempts_total{outcome}: no value succeeded',
      'boltline_submission_attempts_total has no label site',
    ]);
  });
});

describe('deploy/grafana/boltline-dashboard.json', () => {
  const dash = JSON.parse(read('deploy/grafana/boltline-dashboard.json'));

  it('is a dashboard whose panels each query the Prometheus data source it asks for', () => {
    expect(dash).toMatchObject({ title: 'Boltline', uid: expect.any(String), schemaVersion: expect.any(Number) });
    expect(dash.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const ids = dash.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dash.panels) {
      expect([p.title, p.datasource, p.targets.length > 0]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }, true]);
      for (const t of p.targets) expect([p.title, problemsOf(t.expr)]).toEqual([p.title, []]);
    }
  });
});
