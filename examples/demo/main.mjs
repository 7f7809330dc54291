// The whole arc in one program: train the MNIST classifier, write its model folder, serve it on
// localhost, show one prediction over HTTP and the curl commands to try, then keep serving.
//
//   npx pnpm@12.4.2 demo                      (from the repository root: builds, then runs this)
//   node examples/demo/main.mjs [--port 8000] [--epochs 5] [--no-serve]
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnistPackage, progressBar, trainMnist } from '@servable/example-mnist';
import { createServer, handleShutdownSignals } from '@servable/server';

const args = { port: 8000, epochs: 5, serve: true };
for (let i = 2; i < process.argv.length; i++) {
  const flag = process.argv[i];
  if (flag === '--port') args.port = Number(process.argv[++i]);
  else if (flag === '--epochs') args.epochs = Number(process.argv[++i]);
  else if (flag === '--no-serve') args.serve = false;
  else {
    console.error(`unknown argument ${flag}; accepted: --port N, --epochs N, --no-serve`);
    process.exit(2);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const repository = join(here, 'models');
const show = (p) => relative(process.cwd(), p) || '.';

// 1. Train: the seed's recipe on 8,000 real digits, evaluated on 2,000 held-out ones.
const data = loadMnistPackage();
console.log(`1. training Flatten → Dense 128 relu → Dense 10 softmax on ${data.train.count} digits (${data.source})`);
const trained = await trainMnist({ data, epochs: args.epochs, outDir: join(here, '.training', 'mnist', '1'), onProgress: progressBar() });
console.log(`\n   test accuracy ${(trained.testAccuracy * 100).toFixed(2)} % on ${data.test.count} held-out digits`);

// 2. The model folder: the ONNX copy with its servable.json, in a repository <repo>/<model>/<version>/.
const version = join(repository, 'mnist', '1');
rmSync(version, { recursive: true, force: true });
mkdirSync(dirname(version), { recursive: true });
cpSync(trained.onnxDir, version, { recursive: true });
console.log(`2. model folder ${show(version)}/ (servable.json + model.onnx)`);

// 3. Serve it.
const server = await createServer({ repository, port: args.port, host: '127.0.0.1', logger: false });
const url = await server.listen();
console.log(`3. serving on ${url} (Open Inference Protocol v2, /predict, /metrics)`);

// 4. One prediction over HTTP, with a real held-out digit as raw 8-bit pixels.
const index = data.test.y.findIndex((label) => label === 7);
const pixels = Array.from(data.test.x.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255));
const body = { inputs: { image: { data: pixels, width: 28, height: 28, channels: 1 } } };
const requestFile = join(repository, 'sample-request.json');
writeFileSync(requestFile, JSON.stringify(body));
const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const answer = await response.json();
const best = answer.predictions?.[0];
console.log(`4. POST /predict with a held-out "7" → ${response.status}: label ${JSON.stringify(best?.label)} (${((best?.score ?? 0) * 100).toFixed(1)} %), top 3: ${(best?.top ?? []).map((c) => `${c.label} ${(c.score * 100).toFixed(1)} %`).join(', ')}`);

console.log(`\ntry it:
  curl -s ${url}/predict -H 'content-type: application/json' -d @${show(requestFile)}
  curl -s ${url}/v2/models/mnist
  curl -s ${url}/v2/health/ready
  curl -s ${url}/metrics | grep servable_`);

if (!args.serve) {
  await server.close();
  if (best?.label !== '7' || response.status !== 200) process.exitCode = 1;
} else {
  console.log('\nserving until Ctrl-C (SIGINT/SIGTERM drain in-flight requests, then exit 0)');
  handleShutdownSignals(server);
}
if (existsSync(join(here, '.training'))) rmSync(join(here, '.training'), { recursive: true, force: true });
