// The server a tutorial writes: node:http, one request → one InferenceSession.run on the main
// thread, no batching. Started as a child process by run.mjs: node naive-server.mjs <model.onnx> <kind> <port>
import { createServer } from 'node:http';
import ort from 'onnxruntime-node';

const [modelPath, kind, port] = process.argv.slice(2);
const session = await ort.InferenceSession.create(modelPath);
const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function toTensor(body) {
  if (kind === 'mlp') {
    const flat = new Float32Array(784);
    let i = 0;
    for (const row of body.inputs) for (const v of row) flat[i++] = v;
    return new ort.Tensor('float32', flat, [1, 28, 28]);
  }
  const { b64, width, height } = body.inputs.image;
  const pixels = Buffer.from(b64, 'base64');
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) data[c * plane + p] = (pixels[p * 3 + c] / 255 - MEAN[c]) / STD[c];
  return new ort.Tensor('float32', data, [1, 3, height, width]);
}

function answer(output) {
  const values = Array.from(output.data);
  if (kind === 'mlp') return { predictions: [values] };
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const top = exps.map((e, index) => ({ index, score: e / sum })).sort((a, b) => b.score - a.score).slice(0, 5);
  return { predictions: [{ label: `class_${top[0].index}`, score: top[0].score, top }] };
}

createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"live":true}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const result = await session.run({ [inputName]: toTensor(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(result[outputName])));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e.message) }));
    }
  });
}).listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
