/**
 * Gauge-flow cost on this machine: seconds per reverse-KL training step and proposals per second of
 * flow MCMC, each with 1 and 2 worker threads. U(1) cases (8×8, β = 2, batch 64): the published
 * tutorial architecture (NCP kernel, 16 layers, conditioner [8, 8]; Albergo et al., "Introduction to
 * normalizing flows for lattice field theory") and gaugeflow's default flow. SU(N) cases, with the
 * SU(N) defaults of `gaugeflow train` (SUN_LAYERS spectral IRCPM layers; 8 until 2026-12-01, when
 * the README's SU(N) rates were measured): su2 (8×8, β = 4) and su3 (8×8, β = 8) at batch 64, and su3-4d (4⁴, β = 1) at batch 8 in 4 microbatches of 2 (a wasm module
 * holds ≈ 2 GB at most: one 4D SU(3) sample through 16 layers keeps ≈ 1 GB for its backward pass).
 * The 1-worker run of each case is the baseline its 2-worker figures are compared with (speed-up
 * ratios); the SU(N) rows also give their cost relative to the U(1) default (same L, batch 64).
 *
 *   npx tsx bench/gauge-flow.ts [--steps 30] [--proposals 65536] [--cases tutorial,default,su2,su3,su3-4d]
 *
 * Prints one JSON object (machine, backend, per case) on stdout and a table on stderr. Timing uses
 * trainParallel's own per-step wall time (first steps excluded as warm-up) and the flow-chain
 * runner's proposals per wall second; figures on a shared machine are upper bounds on the cost.
 * The U(1) rates count the start of the worker threads (≈ 1 s: tsx boot and model load), so they
 * draw 65536 proposals by default: with 16384 the 2-worker tutorial rate read 3230/s where the
 * longer run gives 5107/s (2026-12-01).
 * SU(N) cases take fewer steps and proposals (--sun-steps 6, --sun-proposals 512): one SU(3) step costs
 * seconds. The proposal rate includes starting the workers (each boots tsx and loads the model), so
 * with few proposals the 2-worker figure understates it (128 SU(3) proposals: 55/s with 2 workers
 * against 108/s with 1).
 */
import { cpus, platform, release, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.ts';
import { trainParallel } from '../src/train/parallel.ts';
import { defaultU1Config, type U1GaugeFlowConfig } from '../src/flows/gauge/build.ts';
import { buildGaugeFlow, gaugeTrainableSpec } from '../src/flows/gauge/trainable.ts';
import { buildSUNGaugeFlow, sunTrainableSpec } from '../src/flows/sun/trainable.ts';
import { gaugeModelPayload, saveGaugeModel, sunGroupName, type GaugeFlow } from '../src/flows/gauge/model-file.ts';
import { gaugeProposalModule } from '../src/flows/gauge/proposal.ts';
import { runChains } from '../samplers/runner.ts';
import { summariseRun } from '../samplers/runner_analysis.ts';
import { SUN_ESTIMATOR, SUN_LAYERS, U1_ESTIMATOR } from '../src/cli/train.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}
const steps = Number(arg('steps', '30'));
const proposals = Number(arg('proposals', '65536'));
const sunSteps = Number(arg('sun-steps', '6'));
const sunProposals = Number(arg('sun-proposals', '512'));
const cases = arg('cases', 'tutorial,default,su2,su3,su3-4d').split(',');

/** One measured case: how to build its trainable and its flow, on which lattice, at which batch. */
interface Case {
  group: 'u1' | 'su2' | 'su3';
  dims: number;
  L: number;
  beta: number;
  batch: number;
  microbatches: number;
  steps: number;
  proposals: number;
  spec: () => { module: string; config: unknown };
  build: () => GaugeFlow;
  describe: Record<string, unknown>;
}

function u1Case(flow: U1GaugeFlowConfig, estimator: 'total' | 'path'): Case {
  const config = { flow, L: 8, beta: 2, estimator, seed: 1 };
  return {
    group: 'u1', dims: 2, L: 8, beta: 2, batch: 64, microbatches: 2, steps, proposals,
    spec: () => gaugeTrainableSpec(config),
    build: () => buildGaugeFlow(config),
    describe: { kernel: flow.kernel, layers: flow.layers, hidden: flow.hidden, estimator },
  };
}

function sunCase(N: 2 | 3, dims: number, L: number, beta: number, batch: number, microbatches: number): Case {
  const config = { dims, N, layers: SUN_LAYERS, L, beta, estimator: SUN_ESTIMATOR, seed: 1 };
  return {
    group: sunGroupName(N) as 'su2' | 'su3', dims, L, beta, batch, microbatches, steps: sunSteps, proposals: sunProposals,
    spec: () => sunTrainableSpec(config),
    build: () => buildSUNGaugeFlow(config),
    describe: { kernel: 'ircpm (spectral)', layers: SUN_LAYERS },
  };
}

const allCases: Record<string, () => Case> = {
  tutorial: () => u1Case({ ...defaultU1Config, dims: 2, beta: 2, layers: 16, kernel: 'ncp', kernelOptions: { mixtures: 2 }, hidden: [8, 8], activation: 'leakyRelu', finalTanh: true, stripeOrder: 'ascending' }, 'total'),
  default: () => u1Case({ ...defaultU1Config, dims: 2, beta: 2 }, U1_ESTIMATOR),
  su2: () => sunCase(2, 2, 8, 4, 64, 2),
  su3: () => sunCase(3, 2, 8, 8, 64, 2),
  'su3-4d': () => sunCase(3, 4, 4, 1, 8, 4),
};

async function trainingStep(c: Case, workers: number) {
  const r = await trainParallel({ spec: c.spec(), workers, steps: c.steps, batch: c.batch, microbatches: c.microbatches, seed: 1 });
  // wall per step over the steps after warm-up
  const s = r.history.seconds;
  const skip = Math.min(5, Math.max(1, Math.floor(s.length / 3)), s.length - 2);
  const perStep = (s[s.length - 1]! - s[skip]!) / (s.length - 1 - skip);
  return { secondsPerStep: perStep, computePerStep: r.timing.computePerStep, overheadPerStep: r.timing.overheadPerStep, setupSeconds: r.timing.setupSeconds };
}

async function proposalRate(c: Case, modelPath: string, workers: number) {
  const run = await runChains({
    spec: { sampler: 'flow', group: c.group, dims: c.dims, L: c.L, beta: c.beta, proposal: { module: gaugeProposalModule, options: { model: modelPath } }, batch: Math.min(1024, c.proposals / 4) },
    seed: 1,
    chains: 2,
    workers,
    nPerChain: c.proposals / 2,
    therm: 0,
  });
  return summariseRun(run).proposalsPerSecond ?? NaN;
}

const backend = await initBackend();
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-bench-'));
const out: Record<string, unknown> = {
  bench: 'gauge-flow',
  machine: { platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  backend,
  cases: {} as Record<string, Record<string, unknown>>,
};
const results = out.cases as Record<string, Record<string, unknown>>;
try {
  for (const name of cases) {
    if (!allCases[name]) throw new Error(`unknown case '${name}' (${Object.keys(allCases).join(', ')})`);
    const c = allCases[name]();
    const model = join(dir, `${name}.json`);
    const built = c.build();
    saveGaugeModel(model, gaugeModelPayload(built, { L: c.L, beta: c.beta }, { steps: 0, seconds: 0, curve: [] }));
    const params = built.paramCount;
    built.dispose();
    const t1 = await trainingStep(c, 1);
    const t2 = await trainingStep(c, 2);
    const p1 = await proposalRate(c, model, 1);
    const p2 = await proposalRate(c, model, 2);
    const row: Record<string, unknown> = {
      group: c.group,
      dims: c.dims,
      L: c.L,
      beta: c.beta,
      batch: c.batch,
      microbatches: c.microbatches,
      steps: c.steps,
      proposals: c.proposals,
      ...c.describe,
      params,
      train: { workers1: t1, workers2: t2, speedup: t1.secondsPerStep / t2.secondsPerStep },
      proposalsPerSecond: { workers1: p1, workers2: p2, speedup: p2 / p1 },
    };
    // the cost of an SU(N) flow in units of the U(1) default on the same 2D lattice and batch
    const u1 = results.default as { train: { workers2: { secondsPerStep: number } }; proposalsPerSecond: { workers2: number } } | undefined;
    if (c.group !== 'u1' && u1 && c.dims === 2 && c.L === 8 && c.batch === 64) {
      row.vsU1Default = { stepCost: t2.secondsPerStep / u1.train.workers2.secondsPerStep, proposalCost: u1.proposalsPerSecond.workers2 / p2 };
    }
    results[name] = row;
    console.error(`${name.padEnd(9)} ${c.group} ${c.dims}D L${c.L} params ${String(params).padStart(6)}  s/step 1w ${t1.secondsPerStep.toFixed(3)} 2w ${t2.secondsPerStep.toFixed(3)}  proposals/s 1w ${p1.toFixed(1)} 2w ${p2.toFixed(1)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));
