/**
 * Data-parallel training: seconds per step with 0 (in-process), 1 and 2 worker threads, the
 * per-step overhead (wall − the busiest thread's gradient time) and the speed-up of 2 workers over 1.
 * Usage: npx tsx bench/parallel-train.ts [--micro 128] [--steps 30] [--hidden 32,32]
 *   → one JSON object on stdout. The model: IRCPM on T² (reverse KL, rezende-multimodal), batch =
 *   4 microbatches of --micro samples. Also reported: how much faster two plain-JS threads run than
 *   one on this machine right now (`jsTwoThreadThroughput`, 2 at best), since a shared machine
 *   caps the speed-up whatever the training code does.
 */
import { cpus, platform, release, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { trainParallel } from '../src/train/parallel.ts';
import { reverseKLSpec } from '../src/train/reverse-kl-trainable.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const micro = Number(arg('micro', '128'));
const steps = Number(arg('steps', '30'));
const hidden = arg('hidden', '32,32').split(',').map(Number);
if (!(micro >= 1 && steps >= 6 && hidden.every((h) => h >= 1))) throw new Error('need --micro ≥ 1, --steps ≥ 6, --hidden positive integers');

/** throughput of two busy plain-JS threads relative to one (the machine's spare parallelism now) */
async function jsTwoThreadThroughput(): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); let s = 0; const t0 = performance.now(); for (let i = 0; i < 1e8; i++) s += Math.sqrt(i); parentPort.postMessage(performance.now() - t0 + s * 0);`;
  const run = (k: number) => Promise.all(Array.from({ length: k }, () => new Promise<number>((r) => new Worker(code, { eval: true }).on('message', r))));
  const [one] = await run(1);
  const two = await run(2);
  return (2 * one) / Math.max(...two);
}

const spec = reverseKLSpec({ target: 'rezende-multimodal', seed: 'bench', flow: { hidden } });
const cases = [];
const capacityBefore = await jsTwoThreadThroughput();
let backend = '';
for (const workers of [0, 1, 2]) {
  const marks: number[] = [];
  const r = await trainParallel({ spec, workers, steps, batch: 4 * micro, microbatches: 4, seed: 'bench', lr: 1e-2, onStep: () => marks.push(performance.now()) });
  backend = r.backend;
  const skip = Math.floor(steps / 3); // JIT and wasm tier-up
  cases.push({
    workers,
    steadyStepMs: (marks[steps - 1] - marks[skip - 1]) / (steps - skip),
    microbatchGradientMs: (r.timing.computePerStep / 4) * 1e3,
    overheadPerStepMs: r.timing.overheadPerStep * 1e3,
    setupSeconds: r.timing.setupSeconds,
  });
}
const capacityAfter = await jsTwoThreadThroughput();
console.log(
  JSON.stringify({
    bench: 'parallel-train',
    machine: { cpus: cpus().length, model: cpus()[0]?.model, platform: platform(), release: release(), loadavg: loadavg() },
    backend,
    model: { flow: 'ircpm', manifold: 'torus2', hidden, microbatch: micro, microbatches: 4, steps },
    cases,
    speedup2vs1: cases[1].steadyStepMs / cases[2].steadyStepMs,
    jsTwoThreadThroughput: [capacityBefore, capacityAfter],
  }),
);
