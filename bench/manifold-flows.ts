/**
 * Reproduces the manifold-flow figures (IRCPM on T² and S²) as JSON: seconds, params, ESS, KL on
 * 20000 fresh samples, bound diagnostics, backend and machine.
 *
 *   npx tsx bench/manifold-flows.ts [--case t2-multimodal|t2-correlated-sym|t2-correlated-free|s2-4mode|all]
 *                                   [--steps N] [--seed S] [--out-dir DIR] [--init model.json] [--lr LR]
 *                                   [--estimator total|path] [--batch B]
 *
 * Long: run it in the background with `nice -n 10` and log to a file. To re-measure the committed S²
 * model without training: --case s2-4mode --init bench/models/rezende-4mode-ircpm3.model.json --steps 0
 */
import os from 'node:os';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../src/backend/index.ts';
import { manifoldByName } from '../src/manifolds/index.ts';
import { makeIRCPM, IRCPMFlow, type IRCPMOptions } from '../src/flows/ircpm/stack.ts';
import { boundDiagnostics } from '../src/flows/ircpm/diagnostics.ts';
import { countParams } from '../src/flows/potentials.ts';
import { saveFlow, loadFlow } from '../src/flows/io.ts';
import { targetByName } from '../src/targets/index.ts';
import { trainReverseKL, trainMaxLikelihood } from '../src/train/train.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { parseFlags } from '../src/cli/args.ts';

interface Case {
  target: string;
  flow: IRCPMOptions;
  steps: number;
  batch: number;
  lr: number;
  symmetric?: boolean;
  /** what the issue asks for */
  goal: string;
  /** reverse-KL gradient estimator (see ReverseKLOptions) */
  estimator?: 'total' | 'path';
  /** maximum-likelihood warm start on exact target samples before reverse KL */
  warmStart?: { steps: number; lr: number; samples: number };
}

const cases: Record<string, Case> = {
  't2-multimodal': { target: 'rezende-multimodal', flow: { layers: 1, hidden: [64, 64], frequencies: 1 }, steps: 600, batch: 256, lr: 5e-3, goal: 'ESS ≥ 0.99' },
  't2-correlated-sym': { target: 'rezende-correlated', flow: { layers: 1, hidden: [64, 64] }, symmetric: true, steps: 600, batch: 256, lr: 5e-3, goal: 'ESS ≥ 0.99' },
  't2-correlated-free': { target: 'rezende-correlated', flow: { layers: 1, hidden: [64, 64], frequencies: 1 }, steps: 600, batch: 256, lr: 5e-3, goal: 'reported beside the symmetric one' },
  's2-4mode-warm': {
    target: 'rezende-4mode',
    flow: { layers: 3, shared: true, hidden: [128, 128] },
    steps: 800,
    batch: 256,
    lr: 1e-3,
    warmStart: { steps: 1500, lr: 3e-3, samples: 50000 },
    goal: 'same as s2-4mode, with a maximum-likelihood warm start on exact samples (not the paper protocol)',
  },
  // reverse KL from the uniform base only (the paper's setting); path gradients, large batches
  's2-4mode': {
    target: 'rezende-4mode',
    flow: { layers: 3, shared: true, hidden: [128, 128] },
    steps: 4000,
    batch: 1024,
    lr: 2e-3,
    estimator: 'path',
    goal: 'ESS ≥ 0.995, KL ≤ 0.003 (paper: 99.5%, 0.003)',
  },
};

async function runCase(name: string, c: Case, steps: number, seed: number, outDir?: string, init?: string, logEvery = 100) {
  const T = targetByName(c.target);
  const M = manifoldByName(T.manifold);
  const rng = seedrandom(`bench-${name}-${seed}${init ? '-resumed' : ''}`);
  let flow = makeIRCPM(M, rng, { ...c.flow, invariantFrequencies: c.symmetric ? T.symmetry : undefined });
  if (init) {
    // continue training a saved model (fresh Adam state); the warm start is skipped
    const loaded = await loadFlow(init);
    if (!(loaded instanceof IRCPMFlow) || loaded.manifold.name !== M.name) throw new Error(`${init} is not an IRCPM model on ${M.name}`);
    flow = loaded;
    c = { ...c, warmStart: undefined };
  }
  const t0 = performance.now();
  let warmSeconds = 0;
  if (c.warmStart) {
    if (!T.sampleExact) throw new Error(`${c.target} has no exact sampler for a warm start`);
    const data = tf.tensor2d(T.sampleExact(c.warmStart.samples, rng));
    const w = trainMaxLikelihood(flow, data, {
      steps: c.warmStart.steps,
      batch: c.batch,
      lr: c.warmStart.lr,
      rng,
      onStep: (s, loss) => {
        if (s % logEvery === 0) console.error(`[${name}] warm-start step ${s} NLL ${loss.toFixed(5)} ${((performance.now() - t0) / 1000).toFixed(0)}s`);
        if (outDir && s > 0 && s % 250 === 0) saveFlow(`${outDir}/${name}.model.json`, flow, { warmStep: s });
      },
    });
    warmSeconds = w.seconds;
    data.dispose();
  }
  const tr = trainReverseKL(flow, T.logp, {
    steps,
    batch: c.batch,
    lr: c.lr,
    rng,
    estimator: c.estimator,
    onStep: (s, loss, info) => {
      if (s % logEvery === 0 || s === steps - 1) {
        console.error(`[${name}] step ${s} loss ${loss.toFixed(5)} ok ${info.okFraction.toFixed(3)} |g| ${info.gradNorm.toFixed(3)} lr ${info.lr.toExponential(2)} ${((performance.now() - t0) / 1000).toFixed(0)}s`);
      }
      if (outDir && s > 0 && s % 50 === 0) saveFlow(`${outDir}/${name}.model.json`, flow, { step: s });
    },
  });
  const ev = evaluate(flow, T.logp, 20000, seedrandom(`eval-${name}-${seed}`), { exactLogZ: T.logZ });
  const diag = boundDiagnostics(flow, 20000, seedrandom(`diag-${name}`));
  if (outDir) saveFlow(`${outDir}/${name}.model.json`, flow, { step: steps, ess: ev.ess });
  return {
    case: name,
    target: c.target,
    manifold: M.name,
    flow: 'ircpm',
    layers: flow.nLayers,
    shared: flow.potentials.length === 1,
    symmetric: !!c.symmetric,
    params: countParams(flow.variables),
    steps,
    estimator: c.estimator ?? 'total',
    resumedFrom: init,
    batch: c.batch,
    trainSeconds: tr.seconds,
    warmStart: c.warmStart ? { ...c.warmStart, seconds: warmSeconds } : undefined,
    wallSeconds: (performance.now() - t0) / 1000,
    ess: ev.ess,
    kl: ev.kl,
    klExactLogZ: ev.klExact,
    okFraction: ev.okFraction,
    bounds: diag,
    goal: c.goal,
  };
}

async function main() {
  const flags = parseFlags(process.argv.slice(2), {
    case: { type: 'string', default: 'all' },
    steps: { type: 'int', min: 0 },
    seed: { type: 'int', default: 1 },
    'out-dir': { type: 'string' },
    init: { type: 'string' },
    lr: { type: 'number' },
    estimator: { type: 'string', choices: ['total', 'path'] },
    batch: { type: 'int', min: 1 },
  });
  const backend = await initBackend();
  const names = flags.case === 'all' || !flags.case ? Object.keys(cases).filter((k) => k !== 's2-4mode-warm') : flags.case.split(',');
  const results = [];
  for (const n of names) {
    const c = cases[n];
    if (!c) throw new Error(`unknown case '${n}' (known: ${Object.keys(cases).join(', ')})`);
    const over: Partial<Case> = {};
    if (flags.lr) over.lr = flags.lr;
    if (flags.estimator) over.estimator = flags.estimator as Case['estimator'];
    if (flags.batch) over.batch = flags.batch;
    const r = await runCase(n, { ...c, ...over }, flags.steps ?? c.steps, flags.seed ?? 1, flags['out-dir'], flags.init);
    console.log(JSON.stringify({ ...r, backend }));
    results.push(r);
  }
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
  console.log(JSON.stringify({ backend, machine, results }, null, 1));
  console.error('\ncase                    ESS      KL        params  seconds');
  for (const r of results) console.error(`${r.case.padEnd(22)}  ${r.ess.toFixed(4)}  ${r.kl.toExponential(2)}  ${String(r.params).padStart(6)}  ${r.wallSeconds.toFixed(0)}`);
}

main().catch((e) => {
  // one line (a bad --init file names itself); GAUGEFLOW_DEBUG=1 for the stack
  console.error(`bench/manifold-flows: ${(e as Error).message}`);
  if (process.env.GAUGEFLOW_DEBUG) console.error(e);
  process.exit(1);
});
