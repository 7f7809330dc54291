// Training throughput of the seed's MLP (Flatten → Dense 128 relu → Dense 10 softmax, Adam,
// sparse categorical cross-entropy) at batch 32 and 128, for three trainers in one run:
// the Servable Trainer (@servable/runtime-tfjs, wasm backend), tfjs `model.fit` used directly on
// the same wasm backend, and PyTorch (/usr/bin/python3 with Debian's python3-torch, skipped with
// a message when absent). Each trainer runs in its own process (worker.mjs, train_mlp_torch.py)
// and they take turns in rounds, so load from other processes falls on all alike; rates are
// medians over rounds, ratios medians of the per-round ratios. Besides wall-clock examples/s it
// reports examples per CPU-second of each trainer's process, which other processes on a busy
// machine disturb far less. Needs the built packages:
//   (cd packages/core && npx tsup) && (cd packages/runtime-tfjs && npx tsup)
//   node bench/train-mlp/run.mjs            # --seconds 10 per case and batch size, --rounds 5, --warmup 2 (s per case)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { median } from '../lib/measure.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({ seconds: 10, rounds: 5, warmup: 2, batches: '32,128', python: '/usr/bin/python3' });
const batchSizes = String(args.batches).split(',').map(Number);
const here = (name) => fileURLToPath(new URL(name, import.meta.url));

/** A trainer in a child process that answers "<batch> <seconds>" lines with one JSON line. */
function worker(name, command, argv) {
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) return { error: `${name} exited` };
      if (value.startsWith('{')) return JSON.parse(value);
    }
  };
  return {
    name,
    child,
    next,
    async run(batch, seconds) {
      child.stdin.write(`${batch} ${seconds}\n`);
      const r = await next();
      if (r.error) throw new Error(r.error);
      return { wall: r.examples_per_second, cpu: r.examples_per_cpu_second };
    },
  };
}

const workers = [worker('Servable Trainer (wasm)', process.execPath, [here('./worker.mjs'), 'servable']), worker('tfjs model.fit (wasm)', process.execPath, [here('./worker.mjs'), 'tfjs'])];
for (const w of workers) {
  const hello = await w.next();
  if (hello.error) throw new Error(hello.error);
}
if (existsSync(args.python)) {
  const torch = worker('PyTorch', args.python, [here('./train_mlp_torch.py')]);
  const hello = await torch.next();
  if (hello.error) {
    console.log(`PyTorch skipped: ${hello.error}`);
    torch.child.kill();
  } else {
    torch.name = `PyTorch ${hello.torch} (${hello.threads} thread${hello.threads === 1 ? '' : 's'})`;
    workers.push(torch);
  }
} else {
  console.log(`PyTorch skipped: ${args.python} not found`);
}

const rows = [];
for (const batch of batchSizes) {
  for (const w of workers) await w.run(batch, args.warmup);
  const rates = new Map(workers.map((w) => [w.name, []]));
  const slice = args.seconds / args.rounds;
  for (let r = 0; r < args.rounds; r++) {
    for (let k = 0; k < workers.length; k++) {
      const w = workers[(r + k) % workers.length];
      rates.get(w.name).push(await w.run(batch, slice));
    }
  }
  // Ratios are taken round by round (both figures from the same moment), then the median.
  const paired = (a, b, key) => median(rates.get(a).map((v, r) => v[key] / rates.get(b)[r][key]));
  const med = (name, key) => Math.round(median(rates.get(name).map((v) => v[key])));
  const trainerName = workers[0].name;
  const torchName = workers[2]?.name;
  for (const w of workers) {
    rows.push([
      `batch ${batch}`,
      w.name,
      med(w.name, 'wall'),
      fixed(paired(trainerName, w.name, 'wall'), 2),
      torchName ? fixed(paired(w.name, torchName, 'wall'), 2) : '—',
      med(w.name, 'cpu'),
      fixed(paired(trainerName, w.name, 'cpu'), 2),
      torchName ? fixed(paired(w.name, torchName, 'cpu'), 2) : '—',
    ]);
  }
}
for (const w of workers) w.child.stdin.end();
console.log(`\nseed MLP, 2048 synthetic 28×28 examples, ${args.rounds} rounds × ${fixed(args.seconds / args.rounds, 1)} s per case after ${args.warmup} s of warm-up; one process per trainer; medians over rounds, ratios paired by round\n`);
printTable(['batch', 'trainer', 'examples/s', 'Trainer ÷ this', 'this ÷ PyTorch', 'ex/CPU-s', 'Trainer ÷ this', 'this ÷ PyTorch'], rows);
