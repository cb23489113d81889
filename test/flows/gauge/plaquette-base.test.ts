/**
 * The plaquette base of 2D U(1) flows (src/flows/gauge/plaquette-base.ts): its log q is the density of
 * what it draws (importance estimate of the exact Z on square and non-square tori, alone and under
 * coupling layers), gauge invariant, the same in float32 and float64, with the gradient of the float64
 * density; forward and inverse log q of a flow on it agree; a wrong β in the density fails the Z test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { makeLattice } from '../../../lattices/geometry.ts';
import { makeRng } from '../../../lattices/random.ts';
import { u1Exact2D, u1ExactTorus } from '../../../lattices/exact/u1.ts';
import { defaultU1Config, makeU1GaugeFlow, u1GaugeFlowFromJSON, u1GaugeFlowToJSON, validateU1Config } from '../../../src/flows/gauge/build.ts';
import { wilsonAction } from '../../../lattices/action.ts';
import { U1 } from '../../../lattices/group.ts';
import { logMeanExp } from '../../../samplers/diagnostics/weights.ts';
import { u1PlaquetteBase } from '../../../src/flows/gauge/plaquette-base.ts';
import { gaugeProposal } from '../../../src/flows/gauge/proposal.ts';
import { evaluateGaugeProposal } from '../../../src/flows/gauge/evaluate.ts';
import { linksToTensor } from '../../../src/flows/gauge/layout.ts';

const wrapAngle = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

test.before(async () => {
  await initBackend();
});

function flowOn(beta: number, layers: number, base: 'plaquette' | 'haar', seed: string) {
  return makeU1GaugeFlow({ ...defaultU1Config, dims: 2, beta, layers, hidden: [4], kernelOptions: { correctionModes: 1 }, base }, makeRng('pbase', seed));
}

for (const [L0, L1, beta] of [[4, 4, 2], [8, 4, 1.5]] as const) {
  test(`importance estimate of Z on ${L0}×${L1} (β = ${beta}) with the plaquette base = exact within 3σ; ESS far above Haar's`, () => {
    const lattice = makeLattice([L0, L1]);
    const flow = flowOn(beta, 4, 'plaquette', `z${L0}`);
    const ev = evaluateGaugeProposal(gaugeProposal(flow, lattice), beta, 4000, `pbase-${L0}x${L1}`);
    // Z depends on the torus' volume only (independent plaquettes up to the one constraint)
    const exact = u1ExactTorus(beta, L0 * L1).logZ;
    if (L0 === L1) assert.is(ev.logZExact, exact);
    assert.is(ev.failedDraws, 0);
    assert.ok(ev.logZErr > 0 && ev.logZErr < 0.05, `error ${ev.logZErr}`);
    assert.ok(Math.abs(ev.logZ - exact) < 3 * ev.logZErr, `log Z ${ev.logZ} ± ${ev.logZErr} vs exact ${exact}`);
    // near-identity layers on the base: far above Haar (ESS ≈ 0.003 on 4×4 at β = 1, test/flows/gauge/density.test.ts)
    assert.ok(ev.ess > 0.3, `ESS ${ev.ess}`);
    flow.dispose();
  });
}

test('a density claiming another β fails the Z test (the test can fail)', () => {
  const lattice = makeLattice([4, 4]);
  const beta = 2;
  const base = u1PlaquetteBase(lattice, beta);
  const wrong = u1PlaquetteBase(lattice, 2.3);
  const rng = makeRng('pbase', 'wrong');
  const n = 4000;
  const x = base.sample(n, rng);
  const th = x.dataSync() as Float32Array;
  x.dispose();
  const logq = wrong.logProb64(th, n);
  // log Ẑ = log mean e^{−S − log q} with S from lattices/action.ts, and its delta-method error
  const right = base.logProb64(th, n);
  const minusS = Array.from({ length: n }, (_, i) => -wilsonAction({ group: U1, lattice, theta: Float64Array.from(th.subarray(i * 32, (i + 1) * 32)) }, beta));
  const est = (lq: Float64Array) => {
    const lw = Array.from(lq, (l, i) => minusS[i]! - l);
    const logZ = logMeanExp(lw);
    const w = lw.map((v) => Math.exp(v - logZ));
    return { logZ, err: Math.sqrt(w.reduce((a, b) => a + (b - 1) ** 2, 0) / (n - 1) / n) };
  };
  const exact = u1Exact2D(beta, 4).logZ;
  const good = est(right);
  const bad = est(logq);
  assert.ok(Math.abs(good.logZ - exact) < 3 * good.err, `right density: ${good.logZ} ± ${good.err} vs ${exact}`);
  assert.ok(Math.abs(bad.logZ - exact) > 5 * bad.err, `wrong density passed: ${bad.logZ} ± ${bad.err} vs ${exact}`);
});

test('log q: gauge invariant, float32 op = float64, gradient = central differences of the float64 density', () => {
  const lattice = makeLattice([4, 8]);
  const base = u1PlaquetteBase(lattice, 3);
  const rng = makeRng('pbase', 'grad');
  const n = 3;
  const V = 32;
  // angles on a 2^-12 grid, so that ±2^-10 steps are exact in float32
  const th = Float32Array.from({ length: n * V * 2 }, () => Math.round(4096 * Math.PI * (2 * rng() - 1)) / 4096);
  const x = tf.tensor(th, [n, 8, 4, 2]);
  const op = base.logProb(x).dataSync();
  const f64 = base.logProb64(th, n);
  for (let b = 0; b < n; b++) assert.ok(Math.abs(op[b]! - f64[b]!) < 1e-4 * (1 + Math.abs(f64[b]!)), `field ${b}: ${op[b]} vs ${f64[b]}`);
  // a gauge transformation θ_μ(x) + g(x) − g(x + μ̂)
  const g = Float64Array.from({ length: V }, () => Math.PI * (2 * rng() - 1));
  const gt = Float32Array.from(th);
  for (let b = 0; b < n; b++)
    for (let x1 = 0; x1 < 8; x1++)
      for (let x0 = 0; x0 < 4; x0++) {
        const s = x1 * 4 + x0;
        gt[2 * (b * V + s)] = wrapAngle(th[2 * (b * V + s)]! + g[s]! - g[x1 * 4 + ((x0 + 1) % 4)]!);
        gt[2 * (b * V + s) + 1] = wrapAngle(th[2 * (b * V + s) + 1]! + g[s]! - g[((x1 + 1) % 8) * 4 + x0]!);
      }
  const gauged = base.logProb64(gt, n);
  for (let b = 0; b < n; b++) assert.ok(Math.abs(gauged[b]! - f64[b]!) < 1e-4, `gauge: ${gauged[b]} vs ${f64[b]}`);
  const w = [0.7, -1.3, 0.4];
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(base.logProb(t), tf.tensor1d(w))))(x).dataSync();
  const eps = 2 ** -10;
  let worst = 0;
  for (let k = 0; k < th.length; k += 5) {
    const up = Float32Array.from(th);
    const dn = Float32Array.from(th);
    up[k]! += eps;
    dn[k]! -= eps;
    const fu = base.logProb64(up, n);
    const fd = base.logProb64(dn, n);
    let d = 0;
    for (let b = 0; b < n; b++) d += (w[b]! * (fu[b]! - fd[b]!)) / (2 * eps);
    worst = Math.max(worst, Math.abs(d - grad[k]!) / (1 + Math.abs(d)));
  }
  assert.ok(worst < 1e-3, `gradient: worst relative difference ${worst}`);
  x.dispose();
});

test('a flow on the plaquette base: forward log q = inverse log q; the base survives the JSON round trip; errors', () => {
  const lattice = makeLattice([8, 8]);
  const flow = flowOn(2, 8, 'plaquette', 'fi');
  const draws = gaugeProposal(flow, lattice).sample(16, makeRng('pbase', 'fi'));
  const back = u1GaugeFlowFromJSON(JSON.parse(JSON.stringify(u1GaugeFlowToJSON(flow))));
  assert.is(back.config!.base, 'plaquette');
  const x = linksToTensor(lattice, draws.fields, 16);
  const inv = back.logProb(x).logq.dataSync();
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(inv[i]! - draws.logq[i]!) < 2e-3 * (1 + Math.abs(draws.logq[i]!)), `draw ${i}: inverse ${inv[i]} vs forward ${draws.logq[i]}`);
  // the Haar base gives another log q for the same fields
  const haar = flowOn(2, 8, 'haar', 'fi');
  const hq = haar.logProb(x).logq.dataSync();
  assert.ok(Math.abs(hq[0]! - inv[0]!) > 1, 'the base enters log q');
  x.dispose();
  flow.dispose();
  back.dispose();
  haar.dispose();
  assert.throws(() => validateU1Config({ ...defaultU1Config, dims: 3, beta: 1, base: 'plaquette' }), /2D only/);
  assert.throws(() => validateU1Config({ ...defaultU1Config, dims: 2, beta: 1, base: 'gaussian' as never }), /base must be one of haar, plaquette/);
  assert.throws(() => u1PlaquetteBase(makeLattice([4, 4, 4]), 1), /2D lattices only/);
  assert.throws(() => u1PlaquetteBase(makeLattice([4, 4]), -1), /beta must be finite/);
});

test.run();
