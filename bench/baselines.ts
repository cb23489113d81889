/**
 * Baseline samplers against exact results: heat bath (+1 over-relaxation sweep) and HMC (τ = 1,
 * Omelyan, 8 steps) on 2D 8×8 lattices — U(1) at β = 2 (plaquette and ⟨Q²⟩), SU(2) and SU(3) at
 * β = 2 and 4 (plaquette) — with Γ-method errors, the pull (mean − exact)/err, τ_int and the cost.
 * Usage: npx tsx bench/baselines.ts [--scale s]   (s multiplies the number of steps; default 1,
 * about a minute on one core). One JSON object on stdout, a table on stderr.
 */
import { cpus, platform, release } from 'node:os';
import { hotStart } from '../lattices/field.ts';
import type { U1Field } from '../lattices/field.ts';
import { makeRng } from '../lattices/random.ts';
import { averagePlaquette } from '../lattices/action.ts';
import { topologicalCharge } from '../lattices/observables.ts';
import { u1Exact2D } from '../lattices/exact/u1.ts';
import { sunExact2D } from '../lattices/exact/sun.ts';
import { gammaMethod } from '../samplers/diagnostics/index.ts';
import { buildKernel, type SamplerSpec } from '../samplers/registry.ts';

const argi = process.argv.indexOf('--scale');
const scale = argi > 0 ? Number(process.argv[argi + 1]) : 1;
if (!(scale > 0)) throw new Error('--scale must be a positive number');

const L = 8;

interface Row {
  sampler: string;
  group: string;
  beta: number;
  L: number;
  observable: string;
  steps: number;
  mean: number;
  err: number;
  tauInt: number;
  exact: number;
  pull: number;
  acceptance: number;
  msPerStep: number;
}

function run(spec: SamplerSpec, steps: number): Row[] {
  const { kernel, lattice, group } = buildKernel(spec);
  const field = hotStart(lattice, group, makeRng('baselines', spec.sampler, spec.group, spec.beta, 'start'));
  const state = kernel.init(field);
  const rng = makeRng('baselines', spec.sampler, spec.group, spec.beta, 'chain', 0);
  const burn = Math.max(200, Math.round(steps / 20));
  for (let i = 0; i < burn; i++) kernel.step(state, rng);
  const plaq = new Float64Array(steps);
  const q2 = group.kind === 'u1' ? new Float64Array(steps) : null;
  let acc = 0, tStep = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const [, info] = kernel.step(state, rng);
    tStep += performance.now() - t0;
    acc += info.accepted ? 1 : 0;
    plaq[i] = averagePlaquette(field);
    if (q2) { const Q = topologicalCharge(field as U1Field); q2[i] = Q * Q; }
  }
  const exact = group.kind === 'u1' ? u1Exact2D(spec.beta, L) : null;
  const rows: Row[] = [];
  const add = (observable: string, data: Float64Array, ex: number) => {
    const g = gammaMethod(data);
    rows.push({
      sampler: spec.sampler, group: spec.group, beta: spec.beta, L, observable, steps,
      mean: g.value, err: g.err, tauInt: g.tauInt, exact: ex, pull: (g.value - ex) / g.err,
      acceptance: acc / steps, msPerStep: tStep / steps,
    });
  };
  add('plaquette', plaq, exact ? exact.plaquette : sunExact2D(group.kind === 'sun' ? group.N : 0, spec.beta, L).plaquette);
  if (q2 && exact) add('Q2', q2, exact.Q2);
  return rows;
}

const hmc = { trajLength: 1, mdSteps: 8, integrator: 'omelyan' as const };
const n = (k: number) => Math.round(k * scale);
const rows: Row[] = [
  ...run({ sampler: 'heatbath', group: 'u1', dims: 2, L, beta: 2, orSteps: 1 }, n(40000)),
  ...run({ sampler: 'hmc', group: 'u1', dims: 2, L, beta: 2, ...hmc }, n(40000)),
];
for (const group of ['su2', 'su3'] as const) {
  for (const beta of [2, 4]) {
    rows.push(...run({ sampler: 'heatbath', group, dims: 2, L, beta, orSteps: 1 }, n(group === 'su2' ? 10000 : 5000)));
    rows.push(...run({ sampler: 'hmc', group, dims: 2, L, beta, ...hmc }, n(group === 'su2' ? 5000 : 2500)));
  }
}

const out = {
  benchmark: 'baselines-vs-exact',
  backend: 'none (plain TS)',
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, os: `${platform()} ${release()}` },
  settings: { L, dims: 2, heatbath: { orSteps: 1 }, hmc, scale, errors: 'Gamma method (Wolff 2004), S = 1.5' },
  results: rows,
};
console.log(JSON.stringify(out, null, 2));
for (const r of rows) {
  process.stderr.write(
    `${r.sampler.padEnd(8)} ${r.group.padEnd(3)} β=${String(r.beta).padEnd(2)} ${r.observable.padEnd(9)} ` +
      `${r.mean.toFixed(5)} ± ${r.err.toFixed(5)}  exact ${r.exact.toFixed(5)}  pull ${r.pull.toFixed(2).padStart(5)}  ` +
      `τ_int ${r.tauInt.toFixed(2).padStart(5)}  acc ${r.acceptance.toFixed(3)}  ${r.msPerStep.toFixed(4)} ms/step  (${r.steps})\n`,
  );
}
