/**
 * An SU(N) gauge flow on a 2D (or 4D) lattice, trained by reverse KL against the Wilson action for a
 * wall-clock budget (src/train/parallel.ts), then used as the proposal of an independence-Metropolis
 * chain (samplers/metropolis.ts): importance ESS of fresh draws, acceptance, ⟨(1/N) Re tr P⟩ with its
 * Γ-method error and τ_int, against the exact finite-torus value (lattices/exact/sun.ts, 2D) or a
 * reference given on the command line (4D: heat bath).
 *
 *   npx tsx bench/sun-lattice.ts [--N 2] [--dims 2] [--L 8] [--beta 4] [--layers 16] [--minutes 10]
 *                                [--batch 32] [--lr 3e-3] [--chain 4000] [--workers 0] [--seed 1]
 *                                [--kernel ircpm|energy|cnf]
 *
 * Prints one JSON object.
 */
import { cpus, platform, release } from 'node:os';
import { initBackend, tf } from '../src/backend/index.ts';
import { parseFlags } from '../src/cli/args.ts';
import { makeLattice } from '../lattices/geometry.ts';
import { makeRng } from '../lattices/random.ts';
import { averagePlaquette, wilsonAction } from '../lattices/action.ts';
import { sunExact2D } from '../lattices/exact/sun.ts';
import type { SUNField } from '../lattices/field.ts';
import { trainParallel } from '../src/train/parallel.ts';
import { independenceMetropolis } from '../samplers/metropolis.ts';
import { gammaMethod, importanceEss } from '../samplers/diagnostics/index.ts';
import { buildSUNGaugeFlow, sunTrainableSpec, type SUNTrainableConfig } from '../src/flows/sun/trainable.ts';
import { gaugeProposal } from '../src/flows/gauge/proposal.ts';
import { fieldProposalAsProposal } from '../samplers/flow_batch.ts';

const flags = parseFlags(process.argv.slice(2), {
  N: { type: 'int', min: 2, default: 2 },
  dims: { type: 'int', min: 2, default: 2 },
  L: { type: 'int', min: 4, default: 8 },
  beta: { type: 'number', default: 4 },
  layers: { type: 'int', min: 1, default: 16 },
  minutes: { type: 'number', default: 10 },
  batch: { type: 'int', min: 1, default: 32 },
  lr: { type: 'number', default: 3e-3 },
  chain: { type: 'int', min: 10, default: 4000 },
  workers: { type: 'int', min: 0, default: 0 },
  seed: { type: 'int', default: 1 },
  estimator: { type: 'string', choices: ['total', 'path'], default: 'total' },
  kernel: { type: 'string', choices: ['ircpm', 'energy', 'cnf'], default: 'ircpm' },
});
const backend = await initBackend();
const { N, dims, L, beta } = { N: flags.N!, dims: flags.dims!, L: flags.L!, beta: flags.beta! };
const lattice = makeLattice(new Array(dims).fill(L));
const options = flags.kernel === 'energy' ? { energyBeta: beta } : flags.kernel === 'cnf' ? { kernel: 'cnf' as const } : {};
const config: SUNTrainableConfig = { dims, N, layers: flags.layers!, options, L, beta, estimator: flags.estimator as 'total' | 'path', seed: flags.seed! };
const tr = await trainParallel({
  spec: sunTrainableSpec(config),
  workers: flags.workers!,
  minutes: flags.minutes,
  steps: 100000,
  batch: flags.batch!,
  microbatches: Math.max(1, flags.workers!),
  seed: flags.seed!,
  lr: flags.lr,
  onStep: (i) => {
    if (i.step % 20 === 0) console.error(`step ${i.step} loss ${i.loss.toFixed(3)} ess ${i.ess?.toFixed(4)} ${i.seconds.toFixed(0)} s`);
  },
});
const flow = buildSUNGaugeFlow(config);
flow.variables.forEach((v, i) => v.assign(tf.tensor(tr.weights[i], v.shape)));

const target = { logDensity: (f: SUNField) => -wilsonAction(f, beta) };
// the one gauge proposal (src/flows/gauge/proposal.ts), counting failed draws (log q = +∞)
const gp = gaugeProposal(flow, lattice);
let failedDraws = 0;
const proposal = fieldProposalAsProposal({
  lattice,
  group: gp.group,
  sample(n, rng) {
    const b = gp.sample(n, rng);
    for (const q of b.logq) if (q === Infinity) failedDraws++;
    return b;
  },
});
const t0 = performance.now();
const mc = await independenceMetropolis(target, proposal, { nSteps: flags.chain!, batchSize: 64, seed: flags.seed! });
const mcSeconds = (performance.now() - t0) / 1000;
const plaq = mc.states.map((s) => averagePlaquette(s));
const g = gammaMethod(plaq);
const finite = Array.from(mc.logw).filter(Number.isFinite);
const exact = dims === 2 ? sunExact2D(N, beta, L).plaquette : null;
console.log(
  JSON.stringify({
    bench: 'sun-lattice',
    group: `su${N}`,
    dims,
    L,
    beta,
    layers: flags.layers,
    kernel: flags.kernel,
    params: flow.paramCount,
    batch: flags.batch,
    estimator: flags.estimator,
    training: { steps: tr.steps, minutes: +(tr.seconds / 60).toFixed(2), finalLoss: tr.history.loss.at(-1) },
    chain: flags.chain,
    acceptance: mc.acceptRate,
    importanceEss: importanceEss(finite) * (finite.length / mc.logw.length),
    failedDraws,
    plaquette: { value: g.value, error: g.err, tauInt: g.tauInt, exact, pull: exact === null ? null : (g.value - exact) / g.err },
    proposalsPerSecond: flags.chain! / mcSeconds,
    backend,
    machine: { platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
  }),
);
