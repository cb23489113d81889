/**
 * Gauge-flow cost on this machine: seconds per reverse-KL training step and proposals per second of
 * flow MCMC, each with 1 and 2 worker threads, for the published tutorial architecture (NCP kernel,
 * 16 layers, conditioner [8, 8], batch 64, L = 8; Albergo et al., "Introduction to normalizing
 * flows for lattice field theory") and for gaugeflow's default flow. The 1-worker run of each case is
 * the baseline its 2-worker figures are compared with (speed-up ratios).
 *
 *   npx tsx bench/gauge-flow.ts [--steps 30] [--proposals 16384] [--cases tutorial,default]
 *
 * Prints one JSON object (machine, backend, per case) on stdout and a table on stderr. Timing uses
 * trainParallel's own per-step wall time (first steps excluded as warm-up) and the flow-chain
 * runner's proposals per wall second; figures on a shared machine are upper bounds on the cost.
 */
import { cpus, platform, release, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.ts';
import { trainParallel } from '../src/train/parallel.ts';
import { defaultU1Config, type U1GaugeFlowConfig } from '../src/flows/gauge/build.ts';
import { buildGaugeFlow, gaugeTrainableSpec, type GaugeTrainableConfig } from '../src/flows/gauge/trainable.ts';
import { gaugeModelPayload, saveGaugeModel } from '../src/flows/gauge/model-file.ts';
import { gaugeProposalModule } from '../src/flows/gauge/proposal.ts';
import { runChains } from '../samplers/runner.ts';
import { summariseRun } from '../samplers/runner_analysis.ts';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}
const steps = Number(arg('steps', '30'));
const proposals = Number(arg('proposals', '16384'));
const cases = arg('cases', 'tutorial,default').split(',');
const L = 8;
const beta = 2;
const batch = 64;

const architectures: Record<string, U1GaugeFlowConfig> = {
  tutorial: { ...defaultU1Config, dims: 2, beta, layers: 16, kernel: 'ncp', kernelOptions: { mixtures: 2 }, hidden: [8, 8], activation: 'leakyRelu', finalTanh: true },
  default: { ...defaultU1Config, dims: 2, beta },
};

async function trainingStep(config: GaugeTrainableConfig, workers: number) {
  const r = await trainParallel({ spec: gaugeTrainableSpec(config), workers, steps, batch, microbatches: 2, seed: 1 });
  // wall per step over the steps after warm-up
  const s = r.history.seconds;
  const skip = Math.min(5, s.length - 2);
  const perStep = (s[s.length - 1]! - s[skip]!) / (s.length - 1 - skip);
  return { secondsPerStep: perStep, computePerStep: r.timing.computePerStep, overheadPerStep: r.timing.overheadPerStep, setupSeconds: r.timing.setupSeconds };
}

async function proposalRate(modelPath: string, workers: number) {
  const run = await runChains({
    spec: { sampler: 'flow', group: 'u1', dims: 2, L, beta, proposal: { module: gaugeProposalModule, options: { model: modelPath } }, batch: 1024 },
    seed: 1,
    chains: 2,
    workers,
    nPerChain: proposals / 2,
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
  L,
  beta,
  batch,
  microbatches: 2,
  steps,
  proposals,
  cases: {} as Record<string, unknown>,
};
try {
  for (const name of cases) {
    const flow = architectures[name];
    if (!flow) throw new Error(`unknown case '${name}' (tutorial, default)`);
    const config: GaugeTrainableConfig = { flow, L, beta, estimator: 'total', seed: 1 };
    const model = join(dir, `${name}.json`);
    const built = buildGaugeFlow(config);
    saveGaugeModel(model, gaugeModelPayload(built, { L, beta }, { steps: 0, seconds: 0, curve: [] }));
    const params = built.paramCount;
    built.dispose();
    const t1 = await trainingStep(config, 1);
    const t2 = await trainingStep(config, 2);
    const p1 = await proposalRate(model, 1);
    const p2 = await proposalRate(model, 2);
    (out.cases as Record<string, unknown>)[name] = {
      kernel: flow.kernel,
      layers: flow.layers,
      hidden: flow.hidden,
      params,
      train: { workers1: t1, workers2: t2, speedup: t1.secondsPerStep / t2.secondsPerStep },
      proposalsPerSecond: { workers1: p1, workers2: p2, speedup: p2 / p1 },
    };
    console.error(`${name.padEnd(9)} ${flow.kernel.padEnd(7)} params ${String(params).padStart(6)}  s/step 1w ${t1.secondsPerStep.toFixed(3)} 2w ${t2.secondsPerStep.toFixed(3)}  proposals/s 1w ${p1.toFixed(0)} 2w ${p2.toFixed(0)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));
