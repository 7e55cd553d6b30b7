// Validates Kubernetes manifests against the API's JSON schemas (kubernetes-models, and
// @kubernetes-models/keda for KEDA's resources), as kubeconform would. ESM only, so test/deploy.test.ts
// runs it in a process of its own: `node validate-k8s.mjs FILE...` prints one JSON array, a
// `{ file, kind, name, errors }` per document.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const results = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const manifest = doc.toJS();
    if (!manifest) continue;
    const errors = doc.errors.map((e) => e.message);
    const [group, version] = String(manifest.apiVersion).includes('/') ? manifest.apiVersion.split('/') : [undefined, manifest.apiVersion];
    const module = group === 'keda.sh' ? `@kubernetes-models/keda/${group}/${version}` : `kubernetes-models/${group ? `${group}/` : ''}${version}`;
    try {
      const Model = (await import(module))[manifest.kind];
      if (!Model) errors.push(`no ${manifest.kind} in ${module}`);
      else new Model(manifest).validate();
    } catch (err) {
      errors.push(err.message);
    }
    results.push({ file, kind: manifest.kind, name: manifest.metadata?.name, errors });
  }
}
console.log(JSON.stringify(results));
