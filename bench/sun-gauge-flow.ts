/**
 * SU(N) gauge-flow cost on this machine: seconds per reverse-KL training step (in-process, the
 * shared trainer of src/train/parallel.ts with 0 workers) and float64 proposals per second
 * (SUNGaugeFlow.sampleForMCMC), for SU(2) and SU(3) on an 8×8 lattice (2D) and SU(3) on 4⁴ (4D),
 * beside the U(1) gauge flow of the same number of layers on the same lattice as the baseline
 * (ratios in the output; 2D only: the U(1) default flow's 4D training step aborts inside the wasm
 * module on this build). Figures on a shared machine are upper bounds on the cost.
 *
 *   npx tsx bench/sun-gauge-flow.ts [--steps 4] [--batch 16] [--batch-4d 2] [--layers 8] [--proposals 64]
 *
 * Prints one JSON object (machine, backend, rows).
 */
import { cpus, platform, release } from 'node:os';
import { initBackend } from '../src/backend/index.ts';
import { parseFlags } from '../src/cli/args.ts';
import { makeLattice } from '../lattices/geometry.ts';
import { makeRng } from '../lattices/random.ts';
import { trainParallel } from '../src/train/parallel.ts';
import { defaultU1Config } from '../src/flows/gauge/build.ts';
import { gaugeTrainableSpec, buildGaugeFlow } from '../src/flows/gauge/trainable.ts';
import { buildSUNGaugeFlow, sunTrainableSpec } from '../src/flows/sun/trainable.ts';

const flags = parseFlags(process.argv.slice(2), {
  steps: { type: 'int', min: 2, default: 4 },
  batch: { type: 'int', min: 1, default: 16 },
  'batch-4d': { type: 'int', min: 1, default: 2, help: 'batch of the 4D row (16 aborts the wasm module: memory)' },
  layers: { type: 'int', min: 1, default: 8 },
  proposals: { type: 'int', min: 1, default: 64 },
});
const backend = await initBackend();
const steps = flags.steps!, batch = flags.batch!, layers = flags.layers!;

/** wall seconds per step after the first (warm-up) step */
function perStep(seconds: number[]): number {
  return (seconds[seconds.length - 1] - seconds[0]) / (seconds.length - 1);
}

async function u1Row(dims: number, L: number, beta: number) {
  const config = { flow: { ...defaultU1Config, dims, beta, layers }, L, beta, estimator: 'total' as const, seed: 1 };
  const r = await trainParallel({ spec: gaugeTrainableSpec(config), workers: 0, steps, batch, microbatches: 1, seed: 1 });
  const flow = buildGaugeFlow(config);
  const lattice = makeLattice(new Array(dims).fill(L));
  const t0 = performance.now();
  flow.sampleForMCMC(lattice, flags.proposals!, makeRng(1, 'u1-proposals'));
  const proposalsPerSecond = flags.proposals! / ((performance.now() - t0) / 1000);
  flow.dispose();
  return { secondsPerStep: perStep(r.history.seconds), proposalsPerSecond };
}

async function sunRow(N: number, dims: number, L: number, beta: number, batch: number) {
  const config = { dims, N, layers, L, beta, estimator: 'total' as const, seed: 1 };
  const r = await trainParallel({ spec: sunTrainableSpec(config), workers: 0, steps, batch, microbatches: 1, seed: 1 });
  const flow = buildSUNGaugeFlow(config);
  const lattice = makeLattice(new Array(dims).fill(L));
  const t0 = performance.now();
  const d = flow.sampleForMCMC(lattice, flags.proposals!, makeRng(1, 'sun-proposals'));
  const proposalsPerSecond = flags.proposals! / ((performance.now() - t0) / 1000);
  const params = flow.paramCount;
  flow.dispose();
  return { params, secondsPerStep: perStep(r.history.seconds), proposalsPerSecond, failedDraws: d.failed };
}

const rows: object[] = [];
for (const [N, dims, L, beta] of [
  [2, 2, 8, 4],
  [3, 2, 8, 8],
  [3, 4, 4, 5.5],
] as const) {
  // No U(1) baseline in 4D: there the U(1) default flow's training step aborts inside the wasm
  // module ('null function or function signature mismatch'), which leaves the backend unusable.
  const base = dims === 2 ? await u1Row(dims, L, 2) : { note: 'no U(1) baseline in 4D (see the header)' };
  const rowBatch = dims === 4 ? flags['batch-4d']! : batch;
  const row = await sunRow(N, dims, L, beta, rowBatch);
  const out = {
    group: `su${N}`,
    dims,
    L,
    beta,
    layers,
    batch: rowBatch,
    ...row,
    u1Baseline: base,
    ...('secondsPerStep' in base
      ? { stepCostVsU1: +(row.secondsPerStep / base.secondsPerStep).toFixed(2), proposalCostVsU1: +(base.proposalsPerSecond / row.proposalsPerSecond).toFixed(2) }
      : {}),
  };
  rows.push(out);
  console.error(JSON.stringify(out));
}
console.log(JSON.stringify({ bench: 'sun-gauge-flow', backend, machine: { platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version }, rows }));
