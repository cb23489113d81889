import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRng, type Rng } from '../../lattices/random.ts';
import { haarSUN } from '../../lattices/haar.ts';
import { traceRe } from '../../lattices/matrix.ts';
import { besselI } from '../../lattices/exact/bessel.ts';
import { singleMatrixSUN } from '../../lattices/exact/single-matrix.ts';
import { gammaMethod } from '../../samplers/diagnostics/index.ts';
import { independenceMetropolis, metropolisPass } from '../../samplers/metropolis.ts';
import { vonMises } from '../../samplers/heatbath_u1.ts';
import type { Proposal, Target } from '../../samplers/types.ts';

/** Haar proposal on SU(N): log q = 0 with respect to Haar measure. */
function haarProposal(N: number, async = false): Proposal<Float64Array> {
  return {
    sample(n: number, rng: Rng) {
      const xs: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        const u = new Float64Array(2 * N * N);
        haarSUN(N, rng, u, 0);
        xs.push(u);
      }
      const batch = { xs, logq: new Float64Array(n) };
      return async ? new Promise((resolve) => setTimeout(() => resolve(batch), 1)) : batch;
    },
  };
}

function wilsonTarget(N: number, beta: number): Target<Float64Array> {
  return { logDensity: (u) => (beta / N) * traceRe(u, 0, N) };
}

test('Haar proposal + independence Metropolis reproduces single-matrix ⟨(1/N) Re tr U⟩ for SU(2), SU(3) (4σ)', async () => {
  for (const [N, beta] of [[2, 2.5], [3, 3], [3, 6]] as const) {
    const r = await independenceMetropolis(wilsonTarget(N, beta), haarProposal(N), { nSteps: 40000, batchSize: 1000, seed: `im-${N}-${beta}` });
    const obs = r.states.map((u) => traceRe(u, 0, N) / N);
    const g = gammaMethod(obs);
    const exact = singleMatrixSUN(N, beta, [1]).retr;
    assert.ok(r.acceptRate > 0.1 && r.acceptRate < 0.95, `SU(${N}) β=${beta}: acceptance ${r.acceptRate}`);
    assert.ok(g.err < 0.01, `SU(${N}) β=${beta}: error ${g.err}`);
    assert.ok(Math.abs(g.value - exact) < 4 * g.err, `SU(${N}) β=${beta}: ${g.value} ± ${g.err} vs exact ${exact}`);
  }
});

test('a non-uniform proposal is weighted correctly: von Mises(κ=1) proposal for exp(2 cos θ) gives I₁(2)/I₀(2)', async () => {
  const kappa = 1, beta = 2;
  const logNorm = Math.log(2 * Math.PI * besselI(0, kappa));
  const proposal: Proposal<number> = {
    sample(n, rng) {
      const xs: number[] = [];
      const logq = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        xs.push(vonMises(kappa, rng));
        logq[i] = kappa * Math.cos(xs[i]) - logNorm;
      }
      return { xs, logq };
    },
  };
  const target: Target<number> = { logDensity: (x) => beta * Math.cos(x) };
  const r = await independenceMetropolis(target, proposal, { nSteps: 30000, batchSize: 4096, seed: 9 });
  const g = gammaMethod(r.states.map(Math.cos));
  const exact = besselI(1, beta) / besselI(0, beta);
  // Without the log q term the chain would target exp(3 cos θ) (⟨cos⟩ = 0.80): far outside the errors.
  assert.ok(g.err < 0.006, `error ${g.err}`);
  assert.ok(Math.abs(g.value - exact) < 4 * g.err, `⟨cos θ⟩ = ${g.value} ± ${g.err} vs ${exact}`);
});

test('results are bit-identical for any concurrency and for asynchronous proposals; chains get their own streams', async () => {
  const target = wilsonTarget(3, 4);
  const opts = { nSteps: 700, batchSize: 64, seed: 'det' };
  const a = await independenceMetropolis(target, haarProposal(3), opts);
  const b = await independenceMetropolis(target, haarProposal(3, true), { ...opts, concurrency: 4 });
  assert.equal(Array.from(a.accepted), Array.from(b.accepted));
  assert.equal(Array.from(a.logw), Array.from(b.logw));
  for (let i = 0; i < a.states.length; i++) assert.equal(Array.from(a.states[i]), Array.from(b.states[i]));
  assert.ok(a.acceptRate > 0 && a.acceptRate < 1);
  const c = await independenceMetropolis(target, haarProposal(3), { ...opts, chain: 1 });
  assert.not.equal(Array.from(c.logw), Array.from(a.logw), 'chain 1 must use its own streams');
});

test('accept/reject pass: min(1, e^{Δw}), failed proposals (log q = +∞) never accepted, NaN throws', () => {
  const target: Target<number> = { logDensity: (x) => x };
  // from w = 0 to w = −1: accept iff u < e^{−1}
  const rngVals = [0.5, 0.3, 0.9];
  let k = 0;
  const rng = () => rngVals[k++];
  const r = metropolisPass(target, { xs: [0, -1, 5], logq: new Float64Array([0, 0, Infinity]) }, null, rng);
  assert.equal(Array.from(r.accepted), [1, 1, 0]); // first draw starts the chain; 0.3 < e^{-1}=0.368; +∞ log q rejected
  assert.equal(r.states, [0, -1, -1]);
  assert.ok(Math.abs(r.acceptProb[1] - Math.exp(-1)) < 1e-15 && r.acceptProb[2] === 0);
  assert.throws(() => metropolisPass(target, { xs: [NaN], logq: new Float64Array(1) }, null, Math.random), /NaN/);
  assert.throws(() => metropolisPass(target, { xs: [1, 2], logq: new Float64Array(1) }, null, Math.random), /log q/);
});

test('a chain whose first draw failed starts from the init stream; a proposal that always fails is a clear error', async () => {
  const target: Target<number> = { logDensity: (x) => -0.5 * x * x };
  // uniform on [−5, 5]; draws at positions listed in `failAt` (within each batch) fail
  const uniform = (failAt: (i: number) => boolean) => ({
    sample(n: number, rng: () => number) {
      const xs = Array.from({ length: n }, () => 10 * rng() - 5);
      return { xs, logq: Float64Array.from(xs, (_, i) => (failAt(i) ? Infinity : -Math.log(10))) };
    },
  });
  const r = await independenceMetropolis(target, uniform((i) => i === 0), { nSteps: 4000, batchSize: 500, seed: 5 });
  assert.is(r.accepted[0], 0);
  assert.ok(Number.isFinite(r.states[0]) && Math.abs(r.states[0]) <= 5, `start ${r.states[0]}`);
  for (let i = 0; i < 4000; i += 500) assert.is(r.logw[i], -Infinity);
  const m2 = r.states.reduce((s, x) => s + x * x, 0) / r.states.length;
  assert.ok(Math.abs(m2 - 1) < 0.15, `⟨x²⟩ = ${m2} (exact ≈ 1)`);
  // only draw 0 of the first batch decides: with a good draw 0, results are those of the plain chain
  const a = await independenceMetropolis(target, uniform(() => false), { nSteps: 300, batchSize: 100, seed: 6 });
  assert.is(a.accepted[0], 1);
  let msg = '';
  await independenceMetropolis(target, uniform(() => true), { nSteps: 10, batchSize: 10, seed: 7, maxInitDraws: 50 }).catch((e) => (msg = String(e)));
  assert.match(msg, /no acceptable start in 50 proposal draws/);
});

test.run();
