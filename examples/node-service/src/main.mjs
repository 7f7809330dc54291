import { fileURLToPath } from 'node:url';
import { buildApp } from './app.mjs';

const modelPath = process.env.MODEL_PATH ?? fileURLToPath(new URL('../../../fixtures/models/mlp.onnx', import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const app = await buildApp({ modelPath, logger: process.env.LOG === '1' });
const url = await app.listen({ port, host });
console.log(`node-service: ${modelPath} on ${url} (POST /classify, GET /stats, GET /healthz)`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
