import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createCrdChecker } from './test-support/crd-schema.js';
import { createKubernetesChecker, isKubernetesKind, type SchemaProblem } from './test-support/kubernetes-schema.js';
import { readYamlDocuments, renderKustomization, type KubernetesObject } from './test-support/render-kustomization.js';

const DEPLOY = fileURLToPath(new URL('./', import.meta.url));

/** What `kubectl apply -k` receives for each folder a user applies. */
const KUSTOMIZATIONS = ['kubernetes/base', 'kubernetes/overlays/cpu', 'kubernetes/overlays/gpu', 'kserve'];
/** Manifests applied with `kubectl apply -f` (or shown as a shape), outside any kustomization. */
const PLAIN = ['kubernetes/model-loader.yaml', 'kubernetes/secret.example.yaml', 'kserve/inference-service-keda.yaml'];
/** YAML that is not a Kubernetes object: Helm values of the Prometheus adapter, kustomize components. */
const NOT_OBJECTS = ['kubernetes/components/in-flight-autoscaling/prometheus-adapter-values.yaml'];

const rendered = new Map(KUSTOMIZATIONS.map((k) => [k, renderKustomization(join(DEPLOY, k))]));
const plain = PLAIN.map((f) => ({ file: f, objects: readYamlDocuments(join(DEPLOY, f)) }));
const everyObject: { where: string; object: KubernetesObject }[] = [
  ...[...rendered].flatMap(([k, list]) => list.map((r) => ({ where: `${k} (${r.file})`, object: r.object }))),
  ...plain.flatMap((p) => p.objects.map((object) => ({ where: p.file, object }))),
];

const builtIn = [...new Set(everyObject.filter((o) => isKubernetesKind(o.object.apiVersion, o.object.kind)).map((o) => `${o.object.apiVersion}/${o.object.kind}`))];
const kubernetes = createKubernetesChecker(builtIn);
const crds = createCrdChecker(['inferenceservice.json', 'servingruntime.json'].map((f) => join(DEPLOY, 'schemas/kserve', f)));

async function problems(object: KubernetesObject): Promise<SchemaProblem[]> {
  if (isKubernetesKind(object.apiVersion, object.kind)) return kubernetes(object);
  if (crds.knows(object.apiVersion, object.kind)) return crds.check(object);
  return [{ path: '', message: `no schema for ${object.apiVersion} ${object.kind}` }];
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return name.endsWith('.yaml') ? [relative(DEPLOY, p)] : [];
  });
}

function kubectlKustomize(): ((dir: string) => KubernetesObject[]) | string {
  const probe = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `kubectl is not installed here (${probe.error?.message ?? probe.stderr.trim().split('\n')[0]})`;
  return (dir) => parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((d) => d.toJS() as KubernetesObject);
}

const byIdentity = (list: KubernetesObject[]) => Object.fromEntries(list.map((o) => [`${o.apiVersion} ${o.kind} ${o.metadata?.name}`, o]));

describe('deploy/ manifests against the Kubernetes and KServe schemas', () => {
  it('checks every YAML file under deploy/: each is rendered by a kustomization, applied on its own, or named as not an object', () => {
    const reached = new Set<string>([...PLAIN, ...NOT_OBJECTS]);
    for (const [k, list] of rendered) {
      reached.add(`${k}/kustomization.yaml`);
      for (const r of list) reached.add(relative(DEPLOY, join(DEPLOY, k, r.file)));
    }
    for (const component of ['kubernetes/components/gpu', 'kubernetes/components/in-flight-autoscaling']) reached.add(`${component}/kustomization.yaml`);
    const files = yamlFiles(DEPLOY).filter((f) => !f.startsWith('schemas/'));
    expect(files.filter((f) => !reached.has(f))).toEqual([]);
    expect(everyObject.length).toBeGreaterThanOrEqual(20);
  });

  it('validates every object, built-in kinds against the Kubernetes API schemas and KServe kinds against its CRDs, with no unknown field', async () => {
    const kinds = new Set(everyObject.map((o) => o.object.kind));
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'PersistentVolumeClaim', 'Secret', 'Pod', 'ServingRuntime', 'InferenceService']) expect(kinds, kind).toContain(kind);
    const found: string[] = [];
    for (const { where, object } of everyObject) for (const p of await problems(object)) found.push(`${where}: ${object.kind} ${object.metadata?.name}${p.path}: ${p.message}`);
    expect(found).toEqual([]);
  });

  it('catches a misspelt field, a wrong type and a missing required field, in built-in and KServe objects', async () => {
    const deployment = structuredClone(rendered.get('kubernetes/overlays/cpu')!.find((r) => r.object.kind === 'Deployment')!.object);
    deployment.spec.replica = 2;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = '8000';
    delete deployment.spec.selector;
    expect((await problems(deployment)).map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining(['/spec: must have required property selector', '/spec/template/spec/containers/0/ports/0/containerPort: must be integer', '/spec/replica: unknown field "replica"']),
    );
    const runtime = structuredClone(rendered.get('kserve')!.find((r) => r.object.kind === 'ServingRuntime')!.object);
    runtime.spec.containers[0].port = 8080;
    runtime.spec.protocolVersions = 'v2';
    const isvc = structuredClone(rendered.get('kserve')!.find((r) => r.object.kind === 'InferenceService')!.object);
    isvc.spec.predictor.model.storageURI = isvc.spec.predictor.model.storageUri;
    delete isvc.spec.predictor.model.modelFormat.name;
    expect((await problems(runtime)).map((p) => `${p.path}: ${p.message}`)).toEqual(expect.arrayContaining(['/spec/containers/0: unknown field "port"', '/spec/protocolVersions: must be array']));
    expect((await problems(isvc)).map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining(['/spec/predictor/model: unknown field "storageURI"', "/spec/predictor/model/modelFormat: must have required property 'name'"]),
    );
  });

  const kubectl = kubectlKustomize();
  it(`renders each kustomization as kubectl kustomize does${typeof kubectl === 'string' ? ` (not compared: ${kubectl})` : ''}`, () => {
    if (typeof kubectl === 'string') {
      console.log(`kubectl kustomize comparison skipped: ${kubectl}; the renderer's own checks above still ran`);
      return;
    }
    for (const k of KUSTOMIZATIONS) {
      const ours = byIdentity(rendered.get(k)!.map((r) => r.object));
      const theirs = byIdentity(kubectl(join(DEPLOY, k)));
      expect(Object.keys(ours).sort(), k).toEqual(Object.keys(theirs).sort());
      for (const [id, object] of Object.entries(ours)) expect(object, `${k}: ${id}`).toEqual(theirs[id]);
    }
  });
});
