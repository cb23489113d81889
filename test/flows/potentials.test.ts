import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../src/backend/index.ts';
import { torus } from '../../src/manifolds/index.ts';
import { MLPPotential, FourierPotential, fourierFrequencies, powerSumFeatures, type MLPSpec, type Potential } from '../../src/flows/potentials.ts';
import { IRCPMLayer } from '../../src/flows/ircpm/layer.ts';
import { IRCPMFlow } from '../../src/flows/ircpm/stack.ts';

test.before(async () => {
  await initBackend();
});

const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`));

function gaussianContext(B: number, C: number, seed: string, scale = 1): tf.Tensor2D {
  const rng = seedrandom(seed);
  return tf.tensor2d(Array.from({ length: B * C }, () => scale * (2 * rng() - 1)), [B, C]);
}

/** Value, gradient and Hessian of sample i alone. */
function derivs(p: Potential, x: tf.Tensor2D, c?: tf.Tensor2D) {
  const d = p.evaluate(x, c);
  return { v: arr(d.value), g: arr(d.grad), h: arr(d.hess) };
}

test('MLP ψ(x; c): per sample, the context acts as the first-layer bias b₁ + c W_c (value, gradient, Hessian), and changes ψ', () => {
  const spec: MLPSpec = { kind: 'mlp', inputDim: 2, features: { kind: 'fourier', frequencies: fourierFrequencies(2, 1) }, hidden: [8, 8], contextDim: 3 };
  const psi = new MLPPotential(spec, seedrandom('ctx'));
  const w = psi.variables;
  // the context weights come last, so a model without context keeps its variable layout
  assert.is(w.length, 2 * 2 + 1 + 1);
  assert.equal(w.at(-1)!.shape, [3, 8]);
  const wOut = w[w.length - 2];
  wOut.assign(tf.mul(wOut, 50));
  const B = 6;
  const x = torus(2).sampleUniform(B, seedrandom('x'));
  const c = gaussianContext(B, 3, 'c');
  const all = derivs(psi, x, c);
  const cv = arr(c);
  const Wc = arr(w.at(-1)!);
  const b1 = arr(w[1]);
  for (let i = 0; i < B; i++) {
    // the same network without context, its first bias shifted by c_i W_c
    const bias = b1.map((b, o) => b + [0, 1, 2].reduce((s, k) => s + cv[3 * i + k] * Wc[k * 8 + o], 0));
    const plain = new MLPPotential({ ...spec, contextDim: 0 }, () => 0, [arr(w[0]), bias, arr(w[2]), arr(w[3]), arr(wOut)]);
    const xi = tf.slice(x, [i, 0], [1, 2]) as tf.Tensor2D;
    const one = derivs(plain, xi);
    close([all.v[i]], one.v, 1e-5, 'value');
    close(all.g.slice(2 * i, 2 * i + 2), one.g, 1e-5, 'grad');
    close(all.h.slice(4 * i, 4 * i + 4), one.h, 1e-5, 'hess');
    tf.dispose(plain.variables);
  }
  const other = derivs(psi, x, gaussianContext(B, 3, 'c2'));
  assert.ok(Math.max(...other.v.map((v, i) => Math.abs(v - all.v[i]))) > 1e-2, 'another context gives another ψ');
});

test('MLP ψ with eigen-weights (SU(3) torus): the skip alone is λ·(Re, Im) Σ_j a_j e^{iθ_j}; gradient and Hessian against finite differences', () => {
  const N = 3, B = 5, C = 2;
  const spec: MLPSpec = { kind: 'mlp', inputDim: N - 1, features: powerSumFeatures(N, 2), hidden: [8], contextDim: C, eigenWeights: N, eigenFeatureScale: 0.3 };
  const psi = new MLPPotential(spec, seedrandom('eig'));
  assert.is(psi.contextDim, C + 2 * N);
  const w = psi.variables;
  const skip = w.at(-1)!;
  assert.equal(skip.shape, [2, 1]);
  const wOut = w[2];
  const x = tf.tensor2d(Array.from({ length: B * (N - 1) }, (_, i) => -2.5 + ((i * 1.37) % 5)), [B, N - 1]);
  const c = gaussianContext(B, C + 2 * N, 'ec', 1.5);
  // the skip alone: ψ = λ_re Re u + λ_im Im u, u = Σ_j a_j e^{iθ_j}, θ_N = −θ_1 − θ_2
  const saved = arr(wOut);
  wOut.assign(tf.zerosLike(wOut));
  skip.assign(tf.tensor2d([[0.7], [-0.4]]));
  const v = arr(psi.evaluate(x, c).value);
  const xv = arr(x), cv = arr(c);
  for (let b = 0; b < B; b++) {
    const th = [xv[2 * b], xv[2 * b + 1], -xv[2 * b] - xv[2 * b + 1]];
    let re = 0, im = 0;
    for (let j = 0; j < N; j++) {
      const ar = cv[b * (C + 2 * N) + C + j], ai = cv[b * (C + 2 * N) + C + N + j];
      re += ar * Math.cos(th[j]) - ai * Math.sin(th[j]);
      im += ai * Math.cos(th[j]) + ar * Math.sin(th[j]);
    }
    close([v[b]], [0.7 * re - 0.4 * im], 1e-5, 'skip value');
  }
  // the full potential: derivatives against central differences of the value (and of the gradient)
  wOut.assign(tf.mul(tf.tensor(saved, wOut.shape), 60));
  const d = derivs(psi, x, c);
  assert.ok(Math.max(...d.h.map(Math.abs)) > 0.1, 'a curved potential');
  const h = 1e-2;
  for (let k = 0; k < N - 1; k++) {
    const e = tf.tensor2d(Array.from({ length: B * (N - 1) }, (_, i) => (i % (N - 1) === k ? h : 0)), [B, N - 1]);
    const p = derivs(psi, tf.add(x, e) as tf.Tensor2D, c), m = derivs(psi, tf.sub(x, e) as tf.Tensor2D, c);
    for (let b = 0; b < B; b++) {
      close([d.g[b * (N - 1) + k]], [(p.v[b] - m.v[b]) / (2 * h)], 2e-3, `grad ${k}`);
      for (let l = 0; l < N - 1; l++) {
        close([d.h[b * (N - 1) * (N - 1) + l * (N - 1) + k]], [(p.g[b * (N - 1) + l] - m.g[b * (N - 1) + l]) / (2 * h)], 2e-3, `hess ${l}${k}`);
      }
    }
  }
  assert.throws(() => new MLPPotential({ ...spec, eigenWeights: 2 }, seedrandom('x')), /eigenWeights must be N = inputDim \+ 1/);
  assert.throws(() => new MLPPotential({ ...spec, features: { kind: 'fourier', frequencies: fourierFrequencies(2, 1) } }, seedrandom('x')), /first N frequencies/);
  tf.dispose(psi.variables);
});

test('Fourier ψ(x; c): coefficients from the context equal a Fourier potential with those raw coefficients, sample by sample', () => {
  const frequencies = fourierFrequencies(2, 2);
  const K = frequencies.length;
  const psi = new FourierPotential({ kind: 'fourier', inputDim: 2, frequencies, eta: 0.9, context: true }, seedrandom('f'));
  assert.is(psi.variables.length, 0);
  assert.is(psi.contextDim, 2 * K);
  const B = 5;
  const x = torus(2).sampleUniform(B, seedrandom('fx'));
  const c = gaussianContext(B, 2 * K, 'fc', 0.3);
  const all = derivs(psi, x, c);
  const cv = arr(c);
  for (let i = 0; i < B; i++) {
    const raw = cv.slice(2 * K * i, 2 * K * (i + 1));
    const fixed = new FourierPotential({ kind: 'fourier', inputDim: 2, frequencies, eta: 0.9 }, () => 0, [raw.slice(0, K), raw.slice(K)]);
    const one = derivs(fixed, tf.slice(x, [i, 0], [1, 2]) as tf.Tensor2D);
    close([all.v[i]], one.v, 1e-5, 'value');
    close(all.g.slice(2 * i, 2 * i + 2), one.g, 1e-5, 'grad');
    close(all.h.slice(4 * i, 4 * i + 4), one.h, 1e-5, 'hess');
    tf.dispose(fixed.variables);
  }
  // the Hessian bound holds for every context: Σ|k|²(|a|+|b|) < η, so I + Hess ψ stays positive definite
  const wild = derivs(psi, x, gaussianContext(B, 2 * K, 'wild', 100));
  for (let i = 0; i < B; i++) {
    const [a, b, , d] = wild.h.slice(4 * i, 4 * i + 4);
    const tr = 2 + a + d;
    const det = (1 + a) * (1 + d) - b * b;
    assert.ok(tr > 0 && det > 0, `I + Hess ψ not positive definite at sample ${i}`);
  }
});

test('IRCPM layer with context: inverse(forward) round trip, and the implicit gradient w.r.t. c matches finite differences', () => {
  const M = torus(2);
  const frequencies = fourierFrequencies(2, 1);
  const K = frequencies.length;
  const psi = new FourierPotential({ kind: 'fourier', inputDim: 2, frequencies, eta: 0.9, context: true }, seedrandom('l'));
  const layer = new IRCPMLayer(M, psi, { tol: 1e-6 });
  const B = 8;
  const x = M.sampleUniform(B, seedrandom('lx'));
  const c = gaussianContext(B, 2 * K, 'lc', 0.5);
  const f = layer.forward(x, c);
  assert.ok(arr(f.ok).every((v) => v === 1));
  const back = layer.inverse(f.y, c);
  arr(M.dist(back.x, x)).forEach((d) => assert.ok(d < 1e-5, `round trip ${d}`));
  close(arr(f.logdet).map((v) => -v), arr(back.logdet), 1e-5, 'logdet');
  const moved = Math.max(...arr(M.dist(f.y, x)));
  assert.ok(moved > 0.05, `the layer barely moves points (${moved})`);
  // L(c) = Σ_i u·y_i(c) (u fixed): tape gradient through the implicit solve vs central differences
  const u = tf.tensor2d([0.7, -0.4], [1, 2]);
  const loss = (cc: tf.Tensor2D) => tf.sum(tf.mul(layer.forward(x, cc).y, u));
  const g = arr(tf.grad((cc: tf.Tensor) => loss(cc as tf.Tensor2D))(c));
  const cv = arr(c);
  const h = 1e-2;
  for (const j of [0, 3, 2 * K + 1, 2 * K * 5 + 2]) {
    const at = (s: number) => loss(tf.tensor2d(cv.map((v, k) => (k === j ? v + s : v)), [B, 2 * K])).dataSync()[0];
    const fd = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(g[j] - fd) < 3e-3 + 2e-2 * Math.abs(fd), `∂L/∂c[${j}]: ${g[j]} vs ${fd}`);
  }
  assert.ok(g.some((v) => Math.abs(v) > 1e-2), 'the context gradient is not trivially zero');
});

test('bad context: missing, unexpected, wrongly shaped, or given to a flow that has no conditioner', () => {
  const spec: MLPSpec = { kind: 'mlp', inputDim: 2, features: { kind: 'ambient' }, hidden: [4], contextDim: 2 };
  const psi = new MLPPotential(spec, seedrandom('bad'));
  const x = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(() => psi.evaluate(x), /needs a context of shape \[3, 2\]/);
  assert.throws(() => psi.evaluate(x, tf.zeros([3, 1]) as tf.Tensor2D), /expected \[3, 2\]/);
  const plain = new MLPPotential({ ...spec, contextDim: 0 }, seedrandom('bad'));
  assert.throws(() => plain.evaluate(x, tf.zeros([3, 2]) as tf.Tensor2D), /takes no context/);
  assert.throws(() => new MLPPotential({ ...spec, contextDim: -1 }, seedrandom('bad')), /contextDim/);
  assert.throws(() => new IRCPMFlow(torus(2), [psi], 1), /cannot take a context/);
});

test('building and disposing a potential leaves no tensor behind (initial values are not kept beside the variables)', () => {
  const before = tf.memory().numTensors;
  const mlp = new MLPPotential({ kind: 'mlp', inputDim: 2, features: { kind: 'ambient' }, hidden: [8, 8], contextDim: 3 }, seedrandom('leak'));
  const fourier = new FourierPotential({ kind: 'fourier', inputDim: 2, frequencies: fourierFrequencies(2, 2), eta: 0.9, context: false }, seedrandom('leak'));
  assert.ok(tf.memory().numTensors > before);
  tf.dispose([...mlp.variables, ...fourier.variables]);
  assert.is(tf.memory().numTensors, before);
});

test.run();
