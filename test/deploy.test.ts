import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metric } from 'prom-client';
import { parse, parseAllDocuments } from 'yaml';
import { API_PREFIX } from '../src/common/api-path';
import { configSchema } from '../src/config/config.schema';
import { SERVED as WORKER_SERVED } from '../src/workers/worker-http';
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

/** kubeconform's check, with the API's schemas from kubernetes-models (ESM: in a process of its own). */
function validate(files: string[]): Array<{ file: string; kind: string; name: string; errors: string[] }> {
  return JSON.parse(execFileSync(process.execPath, [join(PROJECT_ROOT, 'test/support/validate-k8s.mjs'), ...files], { cwd: PROJECT_ROOT, encoding: 'utf8' }));
}

describe('deploy/k8s', () => {
  const files = readdirSync(join(PROJECT_ROOT, 'deploy/k8s')).filter((f) => f.endsWith('.yaml')).map((f) => `deploy/k8s/${f}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const docs: any[] = files.flatMap((f) => parseAllDocuments(read(f)).map((d) => d.toJS()).filter(Boolean));
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  const container = (name: string) => find('Deployment', name).spec.template.spec.containers[0];
  const envOf = (c: { env?: Array<{ name: string; value: string }> }) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

  it('validates against the Kubernetes and KEDA schemas, every document', () => {
    const results = validate(files);
    expect(results.map((r) => r.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'Job', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'PodDisruptionBudget', 'ScaledObject', 'Service']);
    for (const r of results) expect([r.file, r.kind, r.errors]).toEqual([r.file, r.kind, []]);
  });

  it('would catch a manifest the API server would refuse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'boltline-k8s-'));
    try {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  replicas: two\n  template: { spec: { containers: [{ name: c, image: i, ports: [{ containerPort: http }] }] } }\n');
      const [result] = validate([bad]);
      expect(result.errors.join(' ')).toMatch(/replicas|containerPort|selector/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("agrees with the code: routes, ports, settings, entrypoints and the autoscaler's metric", () => {
    const api = container('boltline-api');
    expect(api.livenessProbe.httpGet.path).toBe(`/${API_PREFIX}/health/live`);
    expect(api.readinessProbe.httpGet.path).toBe(`/${API_PREFIX}/health/ready`);
    expect(api.ports[0].containerPort).toBe(Number(envOf(api).PORT));
    expect(find('Service', 'boltline-api').spec.ports[0].targetPort).toBe(api.ports[0].name);
    const worker = container('boltline-worker');
    for (const probe of [worker.startupProbe, worker.livenessProbe, worker.readinessProbe]) expect(WORKER_SERVED).toContain(probe.httpGet.path);
    expect(worker.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(worker.ports[0].containerPort).toBe(Number(envOf(worker).WORKER_HTTP_PORT));
    for (const name of ['boltline-api', 'boltline-worker']) {
      const pod = find('Deployment', name).spec.template;
      expect([name, Number(pod.metadata.annotations['prometheus.io/port'])]).toEqual([name, pod.spec.containers[0].ports[0].containerPort]);
      expect([name, pod.metadata.annotations['prometheus.io/path']]).toEqual([name, '/metrics']);
    }
    // The worker's pod outlives its own grace period for in-flight submissions.
    expect(find('Deployment', 'boltline-worker').spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(envOf(worker).SHUTDOWN_GRACE_MS));

    // Every setting named is one Boltline reads.
    const settings = Object.keys(configSchema.shape);
    const named = [...Object.keys(find('ConfigMap', 'boltline-config').data), ...Object.keys(envOf(api)), ...Object.keys(envOf(worker))];
    for (const n of named) expect([n, settings.includes(n)]).toEqual([n, true]);
    // Every entrypoint is one the build makes.
    const migrate = find('Job', 'boltline-migrate').spec.template.spec.containers[0];
    for (const c of [api, worker, migrate]) {
      for (const arg of c.command.filter((a: string) => a.endsWith('.js'))) {
        const source = arg.startsWith('dist/') ? arg.replace(/^dist\//, '').replace(/\.js$/, '.ts') : arg;
        expect([arg, existsSync(join(PROJECT_ROOT, source))]).toEqual([arg, true]);
      }
    }
    const query = find('ScaledObject', 'boltline-worker').spec.triggers[0].metadata.query;
    expect(problemsOf(query)).toEqual([]);
    expect(find('ScaledObject', 'boltline-worker').spec.scaleTargetRef.name).toBe('boltline-worker');
  });
});

describe('docker-compose.yml', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compose: any = parse(read('docker-compose.yml'), { merge: true });
  const settings = Object.keys(configSchema.shape);

  it("restarts Boltline's processes, checks their readiness where they serve it, and sets only settings Boltline reads", () => {
    for (const name of ['api', 'worker', 'sandbox', 'postgres', 'redis']) expect([name, compose.services[name].restart]).toEqual([name, 'unless-stopped']);
    expect(compose.services.api.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:3000/${API_PREFIX}/health/ready`);
    const worker = compose.services.worker;
    expect(worker.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${worker.environment.WORKER_HTTP_PORT}/health/ready`);
    expect(worker.stop_grace_period).toMatch(/^\d+s$/);
    for (const name of ['api', 'worker', 'migrate']) {
      for (const key of Object.keys(compose.services[name].environment)) expect([name, key, settings.includes(key)]).toEqual([name, key, true]);
    }
  });
});
