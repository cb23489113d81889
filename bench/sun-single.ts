/**
 * Single-matrix SU(N) targets p(U) ∝ exp((β/N) Re tr Σ_k c_k U^k) learned by the spectral flow
 * (src/flows/sun/single-matrix.ts: Haar base, conjugation-equivariant layers with IRCPM kernels on the
 * maximal torus). Training is reverse KL on the maximal torus against Weyl density + weight (the
 * torus twin has the same importance weights as the matrix flow), by the shared loop of
 * src/train/train.ts, with the one recipe of src/flows/sun/single-train.ts (also `gaugeflow train
 * --target single`). Prints one JSON line per target and a summary object: parameters, training
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
import { initBackend } from '../src/backend/index.ts';
import { parseFlags } from '../src/cli/args.ts';
import { makeRng } from '../lattices/random.ts';
import { singleMatrixSUN } from '../lattices/exact/single-matrix.ts';
import { countParams } from '../src/flows/potentials.ts';
import { evaluate } from '../src/train/evaluate.ts';
import { logWeightSummary } from '../src/flows/gauge/evaluate.ts';
import { boundDiagnostics } from '../src/flows/ircpm/diagnostics.ts';
import { saveFlow } from '../src/flows/io.ts';
import { torusEnergy, type SingleMatrixTarget } from '../src/flows/sun/single-matrix.ts';
import { SINGLE_MATRIX_RECIPE, singleMatrixLogWeights, trainSingleMatrixFlow, type SingleMatrixRecipe } from '../src/flows/sun/single-train.ts';

const coeffSets: Record<string, number[]> = { a: [0.17, -0.65, 1.22], b: [0.98, -0.63, -0.21], c: [1, 0, 0] };
const all = ['su2-a', 'su2-b', 'su2-c', 'su3-a', 'su3-b', 'su3-c'];

const flags = parseFlags(process.argv.slice(2), {
  only: { type: 'string', help: 'comma-separated target names' },
  steps: { type: 'int', min: 0, default: SINGLE_MATRIX_RECIPE.steps },
  batch: { type: 'int', min: 1, default: SINGLE_MATRIX_RECIPE.batch },
  lr: { type: 'number', default: SINGLE_MATRIX_RECIPE.lr },
  layers: { type: 'int', min: 1, default: SINGLE_MATRIX_RECIPE.layers },
  hidden: { type: 'numbers', help: 'MLP widths [32,32]' },
  powers: { type: 'int', min: 1, default: SINGLE_MATRIX_RECIPE.powers },
  eval: { type: 'int', min: 100, default: 20000 },
  seed: { type: 'int', default: 1 },
  estimator: { type: 'string', choices: ['total', 'path'], default: SINGLE_MATRIX_RECIPE.estimator },
  'out-dir': { type: 'string', help: 'save each trained model (the IRCPM kernels) as DIR/sun-single-<target>.model.json' },
  convexity: { type: 'number', default: SINGLE_MATRIX_RECIPE.convexity, help: 'weight of the penalty keeping every layer a global diffeomorphism (0: off)' },
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
  const recipe: SingleMatrixRecipe = {
    ...SINGLE_MATRIX_RECIPE,
    layers: flags.layers!,
    hidden: flags.hidden ?? SINGLE_MATRIX_RECIPE.hidden,
    powers: flags.powers!,
    steps: flags.steps!,
    batch: flags.batch!,
    lr: flags.lr!,
    estimator: flags.estimator as 'total' | 'path',
    convexity: flags.convexity!,
  };
  const { flow, train: tr } = await trainSingleMatrixFlow(target, recipe, {
    seed,
    key: name,
    onStep: (step, l, ok) => {
      if (step % 50 === 0) console.error(`${name} step ${step} loss ${l.toFixed(4)} ok ${ok.toFixed(3)}`);
    },
  });
  const twin = flow.torusFlow();
  const energy = torusEnergy(target);
  const ev = evaluate(twin, energy, flags.eval, makeRng(seed, name, 'eval'), { exactLogZ: exact.logZ });
  // the same on matrices: U from the matrix flow, weight (β/N) Re tr Σ c_k U^k − log q_H(U)
  const nm = Math.min(flags.eval!, 5000);
  const mw = singleMatrixLogWeights(flow, target, nm, makeRng(seed, name, 'matrix'));
  const ms = logWeightSummary(mw.logw, seed);
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
    matrix: { samples: nm, ess: +ms.ess.toFixed(5), logZ: +ms.logZ.toFixed(6), logZError: +ms.logZErr.toFixed(6), acceptance: +ms.acceptance.toFixed(5) },
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
