/**
 * Single-matrix SU(N) targets p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k) learned by the spectral flow
 * (src/flows/sun/single-matrix.ts: Haar base, conjugation-equivariant layers with IRCPM kernels on the
 * maximal torus). Training is reverse KL on the maximal torus against Weyl density + weight (the
 * torus twin has the same importance weights as the matrix flow), by the shared loop of
 * src/train/train.ts. Prints one JSON line per target and a summary object: parameters, training
 * seconds, ESS and ln(Z/Z_Haar) (importance estimate with its error, and the exact value of
 * lattices/exact/single-matrix.ts) on fresh samples, and the ESS re-measured on matrices.
 *
 *   npx tsx bench/sun-single.ts [--only su3-a,su2-c] [--steps N] [--batch B] [--lr LR] [--layers K]
 *                               [--hidden 32,32] [--powers K] [--eval N] [--seed S] [--estimator total|path]
 *                               [--convexity W] [--out-dir bench/models]
 *
 * Targets (β = 9): a = (0.17, −0.65, 1.22), b = (0.98, −0.63, −0.21), c = (1, 0, 0); su2-*, su3-*.
 */
import os from 'node:os';
import { initBackend, tf } from '../src/backend/index.ts';
import { parseFlags } from '../src/cli/args.ts';
import { makeRng } from '../lattices/random.ts';
import { singleMatrixSUN } from '../lattices/exact/single-matrix.ts';
import { countParams } from '../src/flows/potentials.ts';
import { reverseKLLoss, trainWithLoss } from '../src/train/train.ts';
import { withConvexityPenalty } from '../src/flows/ircpm/convexity.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { importanceEss } from '../samplers/diagnostics/index.ts';
import { boundDiagnostics } from '../src/flows/ircpm/diagnostics.ts';
import { saveFlow } from '../src/flows/io.ts';
import { makeSpectralFlow, matrixLogWeight, torusEnergy, type SingleMatrixTarget } from '../src/flows/sun/single-matrix.ts';

const coeffSets: Record<string, number[]> = { a: [0.17, -0.65, 1.22], b: [0.98, -0.63, -0.21], c: [1, 0, 0] };
const all = ['su2-a', 'su2-b', 'su2-c', 'su3-a', 'su3-b', 'su3-c'];

const flags = parseFlags(process.argv.slice(2), {
  only: { type: 'string', help: 'comma-separated target names' },
  steps: { type: 'int', min: 0, default: 1500 },
  batch: { type: 'int', min: 1, default: 256 },
  lr: { type: 'number', default: 3e-3 },
  layers: { type: 'int', min: 1, default: 2 },
  hidden: { type: 'numbers', help: 'MLP widths [32,32]' },
  powers: { type: 'int', min: 1, default: 3 },
  eval: { type: 'int', min: 100, default: 20000 },
  seed: { type: 'int', default: 1 },
  estimator: { type: 'string', choices: ['total', 'path'], default: 'path' },
  'out-dir': { type: 'string', help: 'save each trained model (the IRCPM kernels) as DIR/sun-single-<target>.model.json' },
  convexity: { type: 'number', default: 10, help: 'weight of the penalty keeping every layer a global diffeomorphism (0: off)' },
});

const backend = await initBackend();
const seed = flags.seed!;
const names = flags.only ? flags.only.split(',') : all;
const rows: object[] = [];
for (const name of names) {
  const m = /^su(\d)-([abc])$/.exec(name);
  if (!m) throw new Error(`unknown target ${name} (expected one of ${all.join(', ')})`);
  const N = Number(m[1]);
  const target: SingleMatrixTarget = { N, beta: 9, coeffs: coeffSets[m[2]] };
  const exact = singleMatrixSUN(N, target.beta, target.coeffs);
  const flow = makeSpectralFlow(N, makeRng(seed, name, 'init'), { layers: flags.layers, hidden: flags.hidden ?? [32, 32], powers: flags.powers });
  const twin = flow.torusFlow();
  const energy = torusEnergy(target);
  const loss = withConvexityPenalty(reverseKLLoss(twin, energy, flags.estimator as 'total' | 'path'), flow.ircpm!.layers, { weight: flags.convexity! });
  const tr = trainWithLoss(
    twin,
    {
      steps: flags.steps!,
      batch: flags.batch,
      lr: flags.lr,
      rng: makeRng(seed, name, 'train'),
      onStep: (step, l, info) => {
        if (step % 50 === 0) console.error(`${name} step ${step} loss ${l.toFixed(4)} ok ${info.okFraction.toFixed(3)}`);
      },
    },
    'reverse KL',
    loss,
  );
  const ev = evaluate(twin, energy, flags.eval, makeRng(seed, name, 'eval'), { exactLogZ: exact.logZ });
  // the same on matrices: U from the matrix flow, weight (β/N) Re tr Σ c_k U^k − log q_H(U)
  const nm = Math.min(flags.eval!, 5000);
  const logw = tf.tidy(() => {
    const s = flow.sample(nm, makeRng(seed, name, 'matrix'));
    const w = matrixLogWeight(target, s.U).dataSync(), q = s.logq.dataSync(), ok = s.ok.dataSync();
    return Array.from(w, (v, i) => (ok[i] ? v - q[i] : -Infinity));
  });
  const finite = logw.filter(Number.isFinite);
  const mx = Math.max(...finite);
  const ws = finite.map((l) => Math.exp(l - mx));
  const mean = ws.reduce((a, b) => a + b, 0) / nm;
  const sd = Math.sqrt(ws.reduce((a, b) => a + (b - mean) ** 2, 0) / (nm - 1) + ((nm - finite.length) * mean * mean) / (nm - 1));
  // I + G⁻¹Hess ψ ≻ 0 everywhere makes each layer a global diffeomorphism of the torus; where it
  // fails, the solver's image can miss a region, and the importance estimate of ln Z is then biased low
  const bounds = boundDiagnostics(flow.ircpm!, 20000, makeRng(seed, name, 'bounds'));
  const row = {
    target: name,
    N,
    beta: target.beta,
    coeffs: target.coeffs,
    params: countParams(flow.variables),
    layers: flags.layers,
    steps: flags.steps,
    batch: flags.batch,
    estimator: flags.estimator,
    convexity: flags.convexity,
    trainSeconds: +tr.seconds.toFixed(1),
    finalLoss: tr.losses.at(-1) ?? null,
    ess: +ev.ess.toFixed(5),
    okFraction: ev.okFraction,
    evalSamples: ev.n,
    logZ: { estimate: +ev.logZ.toFixed(6), error: +(Math.sqrt((1 / ev.ess - 1) / ev.n)).toFixed(6), exact: +exact.logZ.toFixed(6) },
    klExact: ev.klExact,
    minHessEig: bounds.map((b) => +b.minHessEig.toFixed(3)),
    globalDiffeo: bounds.every((b) => b.cConcave),
    matrix: { samples: nm, ess: +(importanceEss(finite) * (finite.length / nm)).toFixed(5), logZ: +(mx + Math.log(mean)).toFixed(6), logZError: +(sd / mean / Math.sqrt(nm)).toFixed(6) },
  };
  if (flags['out-dir']) {
    const path = `${flags['out-dir']}/sun-single-${name}.model.json`;
    saveFlow(path, flow.ircpm!, { kind: 'sun-single-matrix kernels (spectralFlowFromIRCPM)', target: { N, beta: target.beta, coeffs: target.coeffs }, steps: flags.steps, seed, ess: row.ess, logZ: row.logZ });
    (row as Record<string, unknown>).model = path;
  }
  rows.push(row);
  console.log(JSON.stringify(row));
}
console.log(
  JSON.stringify({
    bench: 'sun-single',
    backend,
    machine: { platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    rows,
  }),
);
