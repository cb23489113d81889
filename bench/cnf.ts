/**
 * CNF benchmarks (docs/design.md, "Continuous normalizing flows on manifolds (CNF)"). Prints one JSON
 * line with backend, machine, seconds and parameters.
 *
 *   flow matching from data, test NLL on the 10% test split of an 80/10/10 split:
 *     npx tsx bench/cnf.ts --task fm --data <volerup.csv> --split-seed 0
 *   the reported volcano figure (five splits, mean ± sd of the test NLL; ≈ 2 min per split):
 *     npx tsx bench/cnf.ts --task fm --data <volerup.csv> --split-seed 0,1,2,3,4 --hidden 128,128 --iters 6000 \
 *       --rff 16:1,3,8,20 --time-harmonics 2
 *   probability-path matching (CNFM-style, uniform → vMF-KDE path) instead: add --loss cnfm --kappa 100
 *   reverse KL from a named target, ESS/KL of the exact-mode proposal on 20000 fresh samples:
 *     npx tsx bench/cnf.ts --task rkl --target rezende-4mode
 *
 * Common flags: --hidden 64,64 --steps 8 --iters 3000 --batch 256 --lr 3e-3 --seed 0 --out file.json
 */
import os from 'node:os';
import fs from 'node:fs';
import seedrandom from 'seedrandom';
import { tf, initBackend } from '../src/backend/index.ts';
import { sphere } from '../src/manifolds/index.ts';
import { CNF, type CNFJSON } from '../src/flows/cnf/cnf.ts';
import { readFlowPayload } from '../src/flows/io.ts';
import { flowMatchingBatchLoss, meanNLL } from '../src/train/flow-matching.ts';
import { fitWithValidation } from '../src/train/validated-fit.ts';
import { latLonToSphere, loadLatLonCSV } from '../src/data/earth.ts';
import { splitData } from '../src/train/fit-data.ts';
import { cnfmBatchLoss } from '../src/train/flow-matching-cnfm.ts';
import { everySampleCounts, trainReverseKL } from '../src/train/train.ts';
import { evaluate } from '../src/train/evaluate.ts';
import type { Manifold } from '../src/manifolds/types.ts';
import type { Symmetry } from '../src/flows/cnf/geometry.ts';

/**
 * Targets for the reverse-KL benchmark. rezende-4mode: the S² target of Rezende et al. 2020
 * (Table 1), p(x) ∝ Σᵢ exp(10 μᵢ·x), four modes given by (azimuth, polar angle) below, with the
 * third azimuth 5 (not 0.5) as needed to reproduce the paper's figure.
 */
function cnfTarget(name: string): { manifold: Manifold; logp: (x: tf.Tensor2D) => tf.Tensor1D; symmetry?: Symmetry } {
  if (name === 'rezende-4mode') {
    const modes = [
      [1.5, 0.7 + Math.PI / 2],
      [1.0, -1.0 + Math.PI / 2],
      [5.0, 0.6 + Math.PI / 2],
      [4.0, -0.7 + Math.PI / 2],
    ].map(([az, polar]) => [Math.sin(polar) * Math.cos(az), Math.sin(polar) * Math.sin(az), Math.cos(polar)]);
    const mu = tf.tensor2d(modes).transpose();
    return {
      manifold: sphere(2),
      logp: (x) => tf.tidy(() => tf.logSumExp(tf.mul(10, tf.matMul(x, mu)), 1) as tf.Tensor1D),
    };
  }
  throw new Error(`unknown target '${name}'`);
}

// Any error (a corrupt --init file, say) is one line on stderr and exit 1; GAUGEFLOW_DEBUG=1 for the stack.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (e: unknown) => {
    console.error(`bench/cnf: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.GAUGEFLOW_DEBUG) console.error(e);
    process.exit(1);
  });
}

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const backend = await initBackend();
const task = flag('task', 'fm');
const seed = flag('seed', '0');
const hidden = flag('hidden', '64,64').split(',').map(Number);
const steps = Number(flag('steps', '8'));
const iters = Number(flag('iters', '3000'));
const batch = Number(flag('batch', '256'));
const lr = Number(flag('lr', '3e-3'));
const activation = flag('activation', 'tanh') as 'tanh' | 'softplus';
const out = flag('out', '');
const rng = seedrandom(`cnf-bench-${seed}`);
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
/** Flow matching on one seeded 80/10/10 split; each split starts from the same seeded rng. */
async function flowMatchingSplit(path: string, splitSeed: number): Promise<Record<string, unknown>> {
  const rng = seedrandom(`cnf-bench-${seed}`);
  const t0 = Date.now();
  const m = sphere(2);
  // the same reader and seeded 80/10/10 split as `gaugeflow fit --data`, so test sets coincide
  const split = splitData(latLonToSphere(loadLatLonCSV(path)), splitSeed);
  const { train: tr, val: va, test: te } = split;
  const rf = flag('rff', '');
  const flow = new CNF(m, rng, {
    hidden,
    steps,
    activation,
    timeHarmonics: Number(flag('time-harmonics', '0')),
    randomFeatures: rf ? { count: Number(rf.split(':')[0]), scales: rf.split(':')[1].split(',').map(Number) } : undefined,
  });
  const evalSteps = Number(flag('eval-steps', '32'));
  // the shared loop of `fit --data` (src/train/validated-fit.ts): validation NLL every --every
  // steps, the parameters with the best one kept
  const lossKind = flag('loss', 'fm');
  const bl = lossKind === 'cnfm' ? cnfmBatchLoss(flow, tr, Number(flag('kappa', '100'))) : flowMatchingBatchLoss(flow, tr);
  const fit = await fitWithValidation(
    flow,
    everySampleCounts(bl),
    () => meanNLL(flow, va, evalSteps),
    {
      iterations: iters,
      batch,
      lr,
      lrFloor: 0.05,
      clipNorm: Infinity,
      evalEvery: Number(flag('every', String(Math.max(1, Math.floor(iters / 20))))),
      patience: Infinity,
      ema: Number(flag('ema', '0')),
      seconds: Infinity,
    },
    { rng, onEval: (p) => console.error(JSON.stringify({ ...p, tensors: tf.memory().numTensors, bytes: tf.memory().numBytes })) },
  );
  const log = fit.log;
  const trainSeconds = (Date.now() - t0) / 1000;
  const lastValNLL = log.at(-1)?.valNLL ?? NaN;
  const result: Record<string, unknown> = {
    task,
    loss: lossKind,
    kappa: lossKind === 'cnfm' ? Number(flag('kappa', '100')) : undefined,
    selectedIteration: fit.selectedIteration,
    lastValNLL,
    data: path,
    splitSeed,
    sizes: split.sizes,
    testNLL: meanNLL(flow, te, evalSteps),
    testNLLsteps64: meanNLL(flow, te, 64),
    valNLL: meanNLL(flow, va, evalSteps),
    trainNLL: meanNLL(flow, tr, evalSteps),
    uniformNLL: m.logVolume,
    evalSteps,
    finalLoss: fit.finalLoss,
    trainSeconds,
    log,
  };
  if (flag('save', '')) fs.writeFileSync(flag('save', ''), JSON.stringify(flow.toJSON()));
  tf.dispose([tr, va, te, ...flow.variables]);
  return result;
}

const t0 = Date.now();
let result: Record<string, unknown>;

if (task === 'fm') {
  // the data set is the user's (a lat,lon CSV); the bench ships none, so it must be named
  const path = flag('data', '');
  if (!path) {
    console.error('bench/cnf: --task fm needs --data <lat,lon CSV>');
    process.exit(2);
  }
  // several splits (--split-seed 0,1,2,3,4): mean and spread of the test NLL over them
  const seeds = flag('split-seed', '0').split(',').map(Number);
  const runs: Record<string, unknown>[] = [];
  for (const s of seeds) runs.push(await flowMatchingSplit(path, s));
  if (runs.length === 1) result = runs[0];
  else {
    const t = runs.map((r) => r.testNLL as number);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const sd = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / (t.length - 1));
    result = { task, data: path, splitSeeds: seeds, testNLL: { mean, sd, stderr: sd / Math.sqrt(t.length), perSplit: t }, splits: runs };
  }
} else if (task === 'rkl') {
  const name = flag('target', 'rezende-4mode');
  const target = cnfTarget(name);
  const init = flag('init', '');
  // --init model.json continues training from a saved CNF (its architecture wins over the flags)
  const flow = init
    ? CNF.fromJSON(readFlowPayload(init) as unknown as CNFJSON, target.manifold).with({ steps })
    : new CNF(target.manifold, rng, { hidden, steps, activation, symmetry: target.symmetry, timeHarmonics: Number(flag('time-harmonics', '0')) });
  const log: unknown[] = [];
  // Train through the continuous-time density (divergence mode: cheap and differentiable); the
  // proposal that is evaluated below is the exact discrete map.
  const every = Number(flag('every', String(Math.max(1, Math.floor(iters / 20)))));
  let acc = 0;
  let cnt = 0;
  trainReverseKL(flow.with({ mode: 'divergence' }), target.logp, {
    steps: iters,
    batch,
    lr,
    rng,
    onStep: (step, loss) => {
      acc += loss;
      cnt++;
      if ((step + 1) % every !== 0 && step + 1 !== iters) return;
      const e = evaluate(flow, target.logp, Number(flag('eval-n', '4000')), seedrandom(`eval-${step + 1}`));
      const entry = { it: step + 1, loss: acc / cnt, ess: e.ess, kl: e.kl, seconds: (Date.now() - t0) / 1000 };
      acc = 0;
      cnt = 0;
      log.push(entry);
      console.error(JSON.stringify(entry));
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const ev = evaluate(flow, target.logp, 20000, seedrandom('final-eval'));
  const evDiv = evaluate(flow.with({ mode: 'divergence' }), target.logp, 20000, seedrandom('final-eval'));
  result = { task, target: name, exact: ev, divergence: evDiv, trainSeconds, log };
  if (flag('save', '')) fs.writeFileSync(flag('save', ''), JSON.stringify(flow.toJSON()));
} else if (task === 'eval') {
  // A saved reverse-KL model as a proposal: ESS/KL of the exact map and of the divergence estimate
  // at several RK4 step counts, and the acceptance rate of an independence Metropolis chain that
  // uses the exact log q.
  const name = flag('target', 'rezende-4mode');
  const target = cnfTarget(name);
  // bench --save writes the bare payload, fit --out wraps it in a model file: either is validated
  const model = CNF.fromJSON(readFlowPayload(flag('init', '')) as unknown as CNFJSON, target.manifold);
  const n = Number(flag('eval-n', '20000'));
  const rows: Record<string, unknown>[] = [];
  for (const st of flag('eval-steps', String(model.steps)).split(',').map(Number)) {
    const ts = Date.now();
    const ex = evaluate(model.with({ steps: st, mode: 'exact' }), target.logp, n, seedrandom('eval-exact'));
    const secs = (Date.now() - ts) / 1000;
    const dv = evaluate(model.with({ steps: st, mode: 'divergence' }), target.logp, n, seedrandom('eval-exact'));
    rows.push({ steps: st, exact: ex, divergence: dv, exactSampleSeconds: secs, imhAcceptance: imhAcceptance(model.with({ steps: st }), target.logp, n) });
  }
  result = { task, target: name, model: flag('init', ''), samples: n, rows };
} else throw new Error(`unknown --task ${task} (fm | rkl | eval)`);

/** Acceptance rate of independence Metropolis over n exact-mode proposals (log-weights in float64). */
function imhAcceptance(flow: CNF, logp: (x: tf.Tensor2D) => tf.Tensor1D, n: number): number {
  const r = seedrandom('imh');
  let cur = -Infinity;
  let acc = 0;
  for (let s = 0; s < n; s += 4096) {
    const m = Math.min(4096, n - s);
    const smp = tf.tidy(() => flow.sample(m, r));
    const lq = smp.logq.dataSync();
    const lp = tf.tidy(() => logp(smp.x).dataSync());
    for (let i = 0; i < m; i++) {
      const lw = lp[i] - lq[i];
      if (cur === -Infinity || Math.log(r()) < lw - cur) {
        if (cur !== -Infinity) acc++;
        cur = lw;
      }
    }
    tf.dispose([smp.x, smp.logq, smp.ok]);
  }
  return acc / (n - 1);
}

const json = {
  bench: 'cnf',
  backend,
  machine,
  seconds: (Date.now() - t0) / 1000,
  // eval describes a saved model: the training flags would only be their defaults here
  params:
    task === 'eval'
      ? { init: flag('init', ''), evalN: flag('eval-n', '20000'), evalSteps: flag('eval-steps', '(model)') }
      : { hidden, steps, iters, batch, lr, activation, seed, rff: flag('rff', ''), timeHarmonics: flag('time-harmonics', '0'), init: flag('init', '') },
  ...result,
};
console.log(JSON.stringify(json));
if (out) fs.writeFileSync(out, JSON.stringify(json, null, 1));
