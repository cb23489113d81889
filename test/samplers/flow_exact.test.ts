import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sunExact2D, u1Exact2D } from '../../lattices/exact.ts';
import { builtinProposalModule } from '../../samplers/proposals/index.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { runChains } from '../../samplers/runner.ts';
import { summariseRun, type RunSummary } from '../../samplers/runner_analysis.ts';

const vonmises = builtinProposalModule('vonmises');
// The von Mises draws with log q = 0 claimed: a proposal whose log q is wrong.
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-flow-exact-'));
const liar = join(dir, 'liar.mts');
writeFileSync(
  liar,
  `import { loadFieldProposal as base } from ${JSON.stringify(pathToFileURL(vonmises).href)};
export function loadFieldProposal(options) {
  const p = base(options);
  return { lattice: p.lattice, group: p.group, sample(n, rng) { const b = p.sample(n, rng); b.logq.fill(0); return b; } };
}
`,
);

async function u1Run(L: number, beta: number, kappa: number, module: string, seed: string): Promise<RunSummary> {
  const spec: SamplerSpec = { sampler: 'flow', group: 'u1', dims: 2, L, beta, batch: 512, proposal: { module, options: { group: 'u1', dims: 2, L, kappa } } };
  return summariseRun(await runChains({ spec, seed, chains: 4, workers: 0, nPerChain: 10_000, therm: 100 }));
}

/** (mean − exact)/err for the plaquette and Q² */
function deviations(s: RunSummary, L: number, beta: number): [number, number] {
  const ex = u1Exact2D(beta, L);
  const p = s.observables.plaquette!;
  const q2 = s.observables.Q2!;
  return [(p.mean - ex.plaquette) / p.err, (q2.mean - ex.Q2) / q2.err];
}

test('2D U(1) L=4 β=0.5, von Mises links (κ = 0.3): ⟨cos θ_P⟩ and ⟨Q²⟩ exact within 3σ', async () => {
  const s = await u1Run(4, 0.5, 0.3, vonmises, 'u1-4');
  const [dp, dq] = deviations(s, 4, 0.5);
  assert.ok(s.acceptance > 0.1, `acceptance ${s.acceptance}`);
  assert.ok(s.observables.plaquette!.err < 0.01 && s.observables.Q2!.err < 0.05, 'errors small enough to mean something');
  assert.ok(Math.abs(dp) < 3, `plaquette off by ${dp}σ`);
  assert.ok(Math.abs(dq) < 3, `Q² off by ${dq}σ`);
  assert.ok(Math.abs(s.observables.Q!.mean) < 3 * s.observables.Q!.err, 'Q = 0 by symmetry');
  assert.is(s.failedDraws, 0);
});

test('L=2 β=1, κ = 1: exact with the true log q; the same draws with log q = 0 claimed are many σ off', async () => {
  const good = await u1Run(2, 1, 1, vonmises, 'u1-2');
  const [dp, dq] = deviations(good, 2, 1);
  assert.ok(Math.abs(dp) < 3 && Math.abs(dq) < 3, `true log q: plaquette ${dp}σ, Q² ${dq}σ`);
  const bad = await u1Run(2, 1, 1, liar, 'u1-2');
  const [bp, bq] = deviations(bad, 2, 1);
  assert.ok(Math.abs(bp) > 5 && Math.abs(bq) > 5, `wrong log q must be detected: plaquette ${bp}σ, Q² ${bq}σ`);
});

test('2D SU(2) L=2 β=1, Haar proposal: plaquette equals the finite-torus character expansion within 3σ', async () => {
  const L = 2, beta = 1;
  const spec: SamplerSpec = { sampler: 'flow', group: 'su2', dims: 2, L, beta, batch: 256, proposal: { module: builtinProposalModule('haar'), options: { group: 'su2', dims: 2, L } } };
  const s = summariseRun(await runChains({ spec, seed: 'su2', chains: 4, workers: 0, nPerChain: 5000, therm: 50 }));
  const exact = sunExact2D(2, beta, L).plaquette;
  const p = s.observables.plaquette!;
  assert.ok(p.err < 0.01, `error ${p.err}`);
  assert.ok(Math.abs(p.mean - exact) < 3 * p.err, `${p.mean} ± ${p.err} vs ${exact}`);
  assert.ok(s.acceptance > 0.3 && s.importanceEss! > 0.2, `acceptance ${s.acceptance}, importance ESS ${s.importanceEss}`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
