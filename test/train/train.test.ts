import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../src/backend/index.ts';
import { torus, sphere } from '../../src/manifolds/index.ts';
import type { Manifold } from '../../src/manifolds/types.ts';
import type { Flow } from '../../src/flows/types.ts';
import { makeIRCPM } from '../../src/flows/ircpm/stack.ts';
import { targetByName, targets } from '../../src/targets/index.ts';
import { trainReverseKL, trainMaxLikelihood, meanNLL, reverseKLLoss } from '../../src/train/train.ts';
import { IRCPMFlow } from '../../src/flows/ircpm/stack.ts';
import { evaluate } from '../../src/train/evaluate.ts';

test.before(async () => {
  await initBackend();
});

/** The uniform proposal as a Flow, with an optional fraction of samples flagged not ok. */
function uniformFlow(M: Manifold, badEvery = 0): Flow {
  return {
    manifold: M,
    variables: [],
    sample(n, rng) {
      const x = M.sampleUniform(n, rng);
      const ok = new Float32Array(n).map((_, i) => (badEvery && i % badEvery === 0 ? 0 : 1));
      return { x, logq: tf.fill([n], -M.logVolume) as tf.Tensor1D, ok: tf.tensor1d(ok) };
    },
    logProb: (x) => tf.fill([x.shape[0]], -M.logVolume) as tf.Tensor1D,
    toJSON: () => ({ type: 'uniform' }),
  };
}

test('targets: tf and float64 log-densities agree; exact log Z matches quadrature (T²) and Monte Carlo (S²)', () => {
  for (const t of Object.values(targets)) {
    const M = t.manifold === 'torus2' ? torus(2) : sphere(2);
    const x = M.sampleUniform(50, seedrandom(t.name));
    const a = t.logp(x).dataSync();
    x.arraySync().forEach((p, i) => assert.ok(Math.abs(a[i] - t.logp64(p)) < 2e-5, t.name));
  }
  for (const name of ['rezende-unimodal', 'rezende-multimodal', 'rezende-correlated']) {
    const t = targetByName(name);
    const k = 200;
    const h = (2 * Math.PI) / k;
    let z = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) z += Math.exp(t.logp64([-Math.PI + (i + 0.5) * h, -Math.PI + (j + 0.5) * h]));
    assert.ok(Math.abs(Math.log(z * h * h) - t.logZ) < 1e-9, `${name}: log Z`);
  }
  const t = targetByName('rezende-4mode');
  const S = sphere(2);
  const N = 200000;
  const lp = t.logp(S.sampleUniform(N, seedrandom('mc'))).dataSync();
  let s1 = 0;
  let s2 = 0;
  for (const l of lp) {
    const w = Math.exp(l - t.logZ + S.logVolume);
    s1 += w;
    s2 += w * w;
  }
  const mean = s1 / N;
  const se = Math.sqrt((s2 / N - mean * mean) / N);
  assert.ok(Math.abs(mean - 1) < 4 * se, `4-mode: Z_MC/Z = ${mean} ± ${se}`);
  assert.throws(() => targetByName('nope'), /unknown target/);
});

test('4-mode exact sampler: E_p[log p̃] from exact samples matches the self-normalised uniform estimate', () => {
  const t = targetByName('rezende-4mode');
  const xs = t.sampleExact!(20000, seedrandom('vmf'));
  for (const x of xs.slice(0, 100)) assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-12);
  const vals = xs.map((x) => t.logp64(x));
  const m1 = vals.reduce((a, b) => a + b, 0) / vals.length;
  const sd1 = Math.sqrt(vals.reduce((a, b) => a + (b - m1) ** 2, 0) / vals.length / vals.length);
  // vMF(κ) on S²: E[μ·x] = coth κ − 1/κ, and the other modes contribute e^{10 μ_j·x} ≪ e^{10 μ_k·x}
  // near mode k, so E[log p̃] ≈ 10 (coth 10 − 1/10) = 9.0 up to the small cross terms
  const S = sphere(2);
  const u = S.sampleUniform(200000, seedrandom('u')).arraySync();
  let sw = 0;
  let swl = 0;
  for (const x of u) {
    const l = t.logp64(x);
    const w = Math.exp(l - 10);
    sw += w;
    swl += w * l;
  }
  const m2 = swl / sw;
  assert.ok(Math.abs(m1 - m2) < 4 * sd1 + 0.01, `exact ${m1} ± ${sd1} vs importance ${m2}`);
  assert.ok(Math.abs(m1 - 9) < 0.1);
});

test('evaluate: ESS and KL of the uniform proposal match a direct float64 computation; rejected samples count as weight 0', () => {
  const M = torus(2);
  const t = targetByName('rezende-unimodal');
  const ev = evaluate(uniformFlow(M), t.logp, 4000, seedrandom('e'), { exactLogZ: t.logZ });
  const xs = M.sampleUniform(4000, seedrandom('e')).arraySync();
  const lw = xs.map((p) => t.logp64(p) + M.logVolume);
  const w = lw.map(Math.exp);
  const s1 = w.reduce((a, b) => a + b, 0);
  const s2 = w.reduce((a, b) => a + b * b, 0);
  assert.ok(Math.abs(ev.ess - (s1 * s1) / (4000 * s2)) < 1e-5);
  const klDirect = Math.log(s1 / 4000) - lw.reduce((a, b) => a + b, 0) / 4000;
  assert.ok(Math.abs(ev.kl - klDirect) < 1e-5);
  // exact KL(uniform ‖ p) = log Z − E_u[log p̃] − log|T²| with E_u[log p̃] = E_u[cos + cos] = 0
  const klTrue = t.logZ - M.logVolume;
  assert.ok(Math.abs(ev.klExact! - klTrue) < 0.05, `${ev.klExact} vs ${klTrue}`);
  const bad = evaluate(uniformFlow(M, 4), t.logp, 4000, seedrandom('e'));
  assert.ok(Math.abs(bad.okFraction - 0.75) < 1e-9);
  assert.ok(bad.ess < 0.8 * ev.ess + 1e-9, 'rejections lower the ESS');
  // proposal = target: ESS = 1, KL = 0
  const same = evaluate(uniformFlow(M), (x) => tf.zeros([x.shape[0]]) as tf.Tensor1D, 1000, seedrandom('z'));
  assert.ok(Math.abs(same.ess - 1) < 1e-12 && Math.abs(same.kl) < 1e-9);
});

test('reverse KL on T² (tiny IRCPM, 60 steps) raises the ESS on rezende-unimodal', () => {
  const M = torus(2);
  const t = targetByName('rezende-unimodal');
  const rng = seedrandom('rkl');
  const flow = makeIRCPM(M, rng, { hidden: [16, 16] });
  const before = evaluate(flow, t.logp, 2000, seedrandom('b'));
  const res = trainReverseKL(flow, t.logp, { steps: 60, batch: 128, lr: 1e-2, rng });
  const after = evaluate(flow, t.logp, 2000, seedrandom('a'));
  assert.is(res.losses.length, 60);
  assert.ok(before.ess < 0.7, `initial ESS ${before.ess}`);
  assert.ok(after.ess > 0.9, `trained ESS ${after.ess}`);
  // the loss is an upper bound: E_q[log q − log p̃] ≥ −log Z
  const tail = res.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
  assert.ok(tail > -t.logZ - 0.02 && tail < -t.logZ + 0.1, `loss ${tail} vs −log Z ${-t.logZ}`);
});

/** Gradients of one minibatch loss w.r.t. the flow's variables, flattened into one float64 vector. */
function flatGrads(flow: Flow, f: () => tf.Scalar): Float64Array {
  const { value, grads } = tf.variableGrads(f, flow.variables);
  const out = Float64Array.from(flow.variables.flatMap((v) => Array.from(grads[v.name].dataSync())));
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}
const norm = (a: Float64Array) => Math.hypot(...a);

test('path estimator = total estimator minus the score term, minibatch by minibatch (S² stack of 2)', () => {
  const S = sphere(2);
  const flow = makeIRCPM(S, seedrandom('pg'), { layers: 2, shared: false, hidden: [16, 16] });
  const t = targetByName('rezende-4mode');
  const B = 64;
  const total = flatGrads(flow, () => reverseKLLoss(flow, t.logp, 'total')(B, seedrandom('batch')).loss);
  const path = flatGrads(flow, () => reverseKLLoss(flow, t.logp, 'path')(B, seedrandom('batch')).loss);
  // score term: ∂_θ mean log q_θ(x) at the same samples held fixed
  const s = flow.sample(B, seedrandom('batch'));
  assert.is(s.ok.sum().dataSync()[0], B);
  const xFixed = tf.tensor2d(s.x.dataSync() as Float32Array, s.x.shape);
  const score = flatGrads(flow, () => tf.mean(flow.logProb(xFixed)) as tf.Scalar);
  const resid = total.map((g, i) => g - path[i] - score[i]);
  assert.ok(norm(path) > 0.1 * norm(total), `the path part is not trivial (${norm(path)} vs ${norm(total)})`);
  assert.ok(norm(score) > 0.1 * norm(total), `the score part is not trivial (${norm(score)} vs ${norm(total)})`);
  assert.ok(norm(resid) < 1e-5 * norm(total), `‖total − path − score‖ = ${norm(resid)}, ‖total‖ = ${norm(total)}`);
  tf.dispose([s.x, s.logq, s.ok, xFixed]);
});

test('path estimator vanishes sample by sample when q = p; the total one does not', () => {
  const S = sphere(2);
  const flow = makeIRCPM(S, seedrandom('pq'), { layers: 2, shared: true, hidden: [16, 16] });
  // the target is a frozen copy of the flow (its own variables, so θ does not enter u)
  const frozen = IRCPMFlow.fromJSON(flow.toJSON());
  const u = (x: tf.Tensor2D) => tf.add(frozen.logProb(x), 0.7) as tf.Tensor1D;
  const B = 64;
  const total = flatGrads(flow, () => reverseKLLoss(flow, u, 'total')(B, seedrandom('b')).loss);
  const path = flatGrads(flow, () => reverseKLLoss(flow, u, 'path')(B, seedrandom('b')).loss);
  assert.ok(norm(total) > 1e-2, `total-estimator gradient ${norm(total)}`);
  assert.ok(norm(path) < 1e-6 * norm(total), `path ${norm(path)} vs total ${norm(total)}`);
  const rep = reverseKLLoss(flow, u, 'path')(B, seedrandom('b'));
  assert.ok(Math.abs(rep.report! + 0.7) < 1e-4, `reported KL estimate ${rep.report} (expected −0.7)`);
  rep.loss.dispose();
  frozen.variables.forEach((v) => v.dispose());
});

test('reverse KL rejects an unknown estimator', () => {
  assert.throws(() => reverseKLLoss(uniformFlow(torus(2)), targetByName('rezende-unimodal').logp, 'score' as 'path'), /estimator/);
});

test('maximum likelihood on S² (IRCPM) lowers the data NLL below the uniform log 4π', () => {
  const S = sphere(2);
  // samples concentrated around the north pole
  const rng = seedrandom('ml');
  const pts: number[][] = [];
  while (pts.length < 400) {
    const v = [0.4 * (rng() - 0.5), 0.4 * (rng() - 0.5), 1];
    const n = Math.hypot(...v);
    pts.push(v.map((a) => a / n));
  }
  const data = tf.tensor2d(pts);
  const flow = makeIRCPM(S, rng, { layers: 1, hidden: [16] });
  const nll0 = meanNLL(flow, data);
  assert.ok(Math.abs(nll0 - S.logVolume) < 0.05, `initial NLL ${nll0}`);
  trainMaxLikelihood(flow, data, { steps: 40, batch: 128, lr: 2e-2, rng });
  const nll = meanNLL(flow, data);
  assert.ok(nll < S.logVolume - 0.3, `NLL ${nll} vs log 4π = ${S.logVolume}`);
  assert.throws(() => trainMaxLikelihood(flow, tf.zeros([0, 3]) as tf.Tensor2D, { steps: 1 }), /empty/);
});

test.run();
