// A generate_stream client in its own process, so that its parsing does not share the server's
// event loop. For every line on stdin it streams one request and prints its timings as a JSON line.
//   node http-client.mjs <url> <json body> <tokens>
import { createInterface } from 'node:readline';

const [url, body, tokens] = process.argv.slice(2);
for await (const _ of createInterface({ input: process.stdin })) {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const reader = res.body.getReader();
  let firstMs = 0;
  for (;;) {
    const { done } = await reader.read();
    if (firstMs === 0) firstMs = performance.now() - t0;
    if (done) break;
  }
  const total = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ firstMs, perTokenMs: (total - firstMs) / Math.max(1, Number(tokens) - 1) })}\n`);
}
