import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { initBackend, tf } from '../../../src/backend/index.ts';
import { torus, sphere, maximalTorus } from '../../../src/manifolds/index.ts';
import type { Manifold } from '../../../src/manifolds/types.ts';
import { makeIRCPM, IRCPMFlow } from '../../../src/flows/ircpm/stack.ts';
import { MLPPotential, FourierPotential, fourierFrequencies, powerSumFeatures, type MLPSpec } from '../../../src/flows/potentials.ts';
import { boundDiagnostics, symmetricEigenvalues } from '../../../src/flows/ircpm/diagnostics.ts';
import { det, logAbsDet, inverse, solve } from '../../../src/flows/logdet.ts';

test.before(async () => {
  await initBackend();
});

// ---------- float64 reference of the MLP potential (value and gradient by forward mode) ----------
const softplus = (z: number) => (z > 30 ? z : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
function psi64(spec: MLPSpec, w: number[][], x: number[]): { v: number; g: number[] } {
  const m = x.length;
  let h: number[];
  let J: number[][]; // J[i][f] = ∂h_f/∂x_i
  if (spec.features.kind === 'fourier') {
    const K = spec.features.frequencies;
    const t = K.map((k) => k.reduce((s, kj, j) => s + kj * x[j], 0));
    h = [...t.map(Math.cos), ...t.map(Math.sin)];
    J = Array.from({ length: m }, (_, i) => [...t.map((ti, q) => -Math.sin(ti) * K[q][i]), ...t.map((ti, q) => Math.cos(ti) * K[q][i])]);
  } else {
    h = x.slice();
    J = Array.from({ length: m }, (_, i) => x.map((_, f) => (f === i ? 1 : 0)));
  }
  const L = spec.hidden.length;
  for (let l = 0; l < L; l++) {
    const W = w[2 * l];
    const b = w[2 * l + 1];
    const nOut = spec.hidden[l];
    const nIn = h.length;
    const z = Array.from({ length: nOut }, (_, o) => b[o] + h.reduce((s, hv, f) => s + hv * W[f * nOut + o], 0));
    const Jz = J.map((Ji) => Array.from({ length: nOut }, (_, o) => Ji.reduce((s, jv, f) => s + jv * W[f * nOut + o], 0)));
    void nIn;
    h = z.map(softplus);
    J = Jz.map((Ji) => Ji.map((jv, o) => jv * sigmoid(z[o])));
  }
  const wo = w[2 * L];
  return { v: h.reduce((s, hv, f) => s + hv * wo[f], 0), g: J.map((Ji) => Ji.reduce((s, jv, f) => s + jv * wo[f], 0)) };
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
/** float64 explicit inverse g(y) for one layer */
function g64(M: Manifold, spec: MLPSpec, w: number[][], y: number[]): number[] {
  const { g } = psi64(spec, w, y);
  if (M.name.startsWith('torus')) return y.map((v, i) => v + g[i]);
  const yg = dot(y, g);
  const v = g.map((gi, i) => gi - yg * y[i]);
  const n = Math.sqrt(dot(v, v));
  const s = n < 1e-12 ? 1 : Math.sin(n) / n;
  return y.map((yi, i) => Math.cos(n) * yi + s * v[i]);
}
function det64(a: number[][]): number {
  if (a.length === 1) return a[0][0];
  if (a.length === 2) return a[0][0] * a[1][1] - a[0][1] * a[1][0];
  return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
}
/** orthonormal tangent basis of S² at p (any choice: determinants between bases do not depend on it) */
function basis64(p: number[]): number[][] {
  const a = Math.abs(p[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const u = a.map((v, i) => v - dot(a, p) * p[i]);
  const nu = Math.sqrt(dot(u, u));
  const e1 = u.map((v) => v / nu);
  const e2 = [p[1] * e1[2] - p[2] * e1[1], p[2] * e1[0] - p[0] * e1[2], p[0] * e1[1] - p[1] * e1[0]];
  return [e1, e2];
}
/** log|det J_g(y)| by central finite differences of g64 along tangent directions, in float64 */
function logdetFD(M: Manifold, spec: MLPSpec, w: number[][], y: number[]): number {
  const h = 1e-5;
  if (M.name.startsWith('torus')) {
    const J = y.map((_, j) => {
      const yp = y.slice();
      const ym = y.slice();
      yp[j] += h;
      ym[j] -= h;
      const gp = g64(M, spec, w, yp);
      const gm = g64(M, spec, w, ym);
      return gp.map((v, i) => (v - gm[i]) / (2 * h));
    });
    return Math.log(Math.abs(det64(J[0].map((_, i) => J.map((col) => col[i])))));
  }
  const Ey = basis64(y);
  const gx = g64(M, spec, w, y);
  const Ex = basis64(gx);
  const cols = Ey.map((e) => {
    const mv = (s: number) => {
      // a curve on the sphere through y with velocity e
      const p = y.map((v, i) => Math.cos(s) * v + Math.sin(s) * e[i]);
      return g64(M, spec, w, p);
    };
    const gp = mv(h);
    const gm = mv(-h);
    return gp.map((v, i) => (v - gm[i]) / (2 * h));
  });
  const J = Ex.map((ex) => cols.map((c) => dot(ex, c)));
  return Math.log(Math.abs(det64(J)));
}

function scaledFlow(M: Manifold, seed: string, scale: number, layers = 1, shared = true, hidden = [16, 16]) {
  const rng = seedrandom(seed);
  const flow = makeIRCPM(M, rng, { layers, shared, hidden, frequencies: 1 });
  // a clearly non-trivial map (the initial output layer is tiny)
  for (const p of flow.potentials) p.variables[p.variables.length - 1].assign(tf.mul(p.variables[p.variables.length - 1], scale));
  return flow;
}
const arr = (t: tf.Tensor) => Array.from(t.dataSync());

test('small-matrix det, log|det|, inverse and solve match float64 for n = 1…5, including matrices that need pivoting', () => {
  const rng = seedrandom('mats');
  for (const n of [1, 2, 3, 4, 5]) {
    const B = 20;
    const data: number[][][] = Array.from({ length: B }, () => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 2 : 0) + rng() - 0.5)));
    // rows reversed or rotated: small or zero leading pivots, which elimination without pivoting gets wrong
    for (let b = 0; b < 6 && n > 1; b++) data[b] = b % 2 ? data[b].slice().reverse() : [...data[b].slice(1), data[b][0]];
    if (n > 1) data[6] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j === (i + 1) % n ? 1 + 0.1 * i : 0))); // a permutation: zero diagonal
    const Mt = tf.tensor3d(data);
    const d = arr(det(Mt));
    const ld = arr(logAbsDet(Mt));
    const inv = inverse(Mt).arraySync() as number[][][];
    // ∂ log|det M| / ∂M = M⁻ᵀ, through the pivot selection too
    const gld = tf.grad((m: tf.Tensor) => tf.sum(logAbsDet(m as tf.Tensor3D)))(Mt).arraySync() as number[][][];
    gld.forEach((g, b) => g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - inv[b][j][i]) < 1e-4 * (1 + Math.abs(v)), `∂log|det| n=${n} b=${b}: ${v} vs ${inv[b][j][i]}`))));
    const rhs = tf.tensor2d(data.map((_, b) => Array.from({ length: n }, (_, i) => Math.sin(b + i))));
    const x = solve(Mt, rhs).arraySync() as number[][];
    data.forEach((a, b) => {
      // float64 determinant by Gaussian elimination with partial pivoting
      const A = a.map((r) => r.slice());
      let D = 1;
      for (let c = 0; c < n; c++) {
        let p = c;
        for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
        if (p !== c) {
          [A[p], A[c]] = [A[c], A[p]];
          D = -D;
        }
        D *= A[c][c];
        for (let r = c + 1; r < n; r++) {
          const l = A[r][c] / A[c][c];
          for (let k = c; k < n; k++) A[r][k] -= l * A[c][k];
        }
      }
      assert.ok(Math.abs(d[b] - D) < 1e-5 * Math.max(1, Math.abs(D)), `det n=${n}`);
      assert.ok(Math.abs(ld[b] - Math.log(Math.abs(D))) < 1e-5, `logdet n=${n}`);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const prod = a[i].reduce((s, v, k) => s + v * inv[b][k][j], 0);
          assert.ok(Math.abs(prod - (i === j ? 1 : 0)) < 1e-5, `A A⁻¹ = I, n=${n}`);
        }
        const ax = a[i].reduce((s, v, k) => s + v * x[b][k], 0);
        assert.ok(Math.abs(ax - Math.sin(b + i)) < 1e-5, `A x = r, n=${n}`);
      }
    });
  }
});

test('closed-form gradient and Hessian of the MLP potential match float64 finite differences', () => {
  for (const [M, feats, hidden] of [
    [torus(2), { kind: 'fourier', frequencies: fourierFrequencies(2, 1) }, [8, 8]],
    [sphere(2), { kind: 'ambient' }, [8, 8]],
    [sphere(2), { kind: 'ambient' }, [7]],
    [torus(2), { kind: 'fourier', frequencies: fourierFrequencies(2, 2) }, [6, 5, 4]],
  ] as const) {
    const spec: MLPSpec = { kind: 'mlp', inputDim: M.ambientDim, features: feats as MLPSpec['features'], hidden: [...hidden] };
    const pot = new MLPPotential(spec, seedrandom('pot'));
    pot.variables[pot.variables.length - 1].assign(tf.mul(pot.variables[pot.variables.length - 1], 100));
    const w = pot.toJSON().weights;
    const x = M.sampleUniform(5, seedrandom('pts'));
    const d = pot.evaluate(x);
    const xs = x.arraySync();
    const G = d.grad.arraySync();
    const H = d.hess.arraySync();
    const V = arr(d.value);
    const h = 1e-4;
    xs.forEach((p, b) => {
      const ref = psi64(spec, w, p);
      assert.ok(Math.abs(V[b] - ref.v) < 1e-5 * (1 + Math.abs(ref.v)), 'value');
      for (let i = 0; i < p.length; i++) {
        assert.ok(Math.abs(G[b][i] - ref.g[i]) < 1e-4 * (1 + Math.abs(ref.g[i])), `grad ${M.name}`);
        const pp = p.slice();
        const pm = p.slice();
        pp[i] += h;
        pm[i] -= h;
        const gp = psi64(spec, w, pp).g;
        const gm = psi64(spec, w, pm).g;
        for (let j = 0; j < p.length; j++) {
          const fd = (gp[j] - gm[j]) / (2 * h);
          assert.ok(Math.abs(H[b][i][j] - fd) < 1e-4 * (1 + Math.abs(fd)), `hess ${M.name} ${i}${j}: ${H[b][i][j]} vs ${fd}`);
        }
      }
    });
  }
});

test('g(f(x)) = x to 1e-5 (T² and S²), and f converges with ok = 1 for a non-trivial potential', () => {
  for (const M of [torus(2), sphere(2)]) {
    const flow = scaledFlow(M, 'rt-' + M.name, M.dim === 2 && M.name.startsWith('torus') ? 150 : 60);
    const layer = flow.layers[0];
    const x = M.sampleUniform(400, seedrandom('x'));
    const r = layer.solve(x);
    const okCount = r.ok.reduce((s, v) => s + v, 0);
    assert.ok(okCount >= 390, `${M.name}: ${okCount}/400 converged`);
    const back = layer.inverse(r.y).x;
    const dist = arr(M.dist(back, x));
    dist.forEach((dd, i) => r.ok[i] && assert.ok(dd < 1e-5, `${M.name}: d(g(f(x)), x) = ${dd}`));
    // the map really moves points
    const moved = Math.max(...arr(M.dist(r.y, x)));
    assert.ok(moved > 0.1, `${M.name}: max displacement ${moved}`);
  }
});

test('an unconverged solve is flagged, never returned silently as ok', () => {
  const M = torus(2);
  const flow = scaledFlow(M, 'unconv', 60);
  const x = M.sampleUniform(200, seedrandom('u'));
  const tight = new (flow.layers[0].constructor as typeof import('../../../src/flows/ircpm/layer.ts').IRCPMLayer)(M, flow.potentials[0], { maxIter: 1, tol: 1e-5 });
  const r = tight.solve(x);
  const back = arr(M.dist(tight.inverse(r.y).x, x));
  let flagged = 0;
  back.forEach((dd, i) => {
    if (dd > 2e-5) assert.is(r.ok[i], 0, `a point with residual ${dd} was marked ok`);
    if (!r.ok[i]) flagged++;
  });
  assert.ok(flagged > 0, 'one Newton iteration cannot converge every sample');
  // a potential whose Hessian makes h(x, ·) non-convex somewhere gives det ≤ 0 points that are not ok
  const wild = scaledFlow(M, 'wild', 3000);
  const rw = wild.layers[0].solve(M.sampleUniform(400, seedrandom('w')));
  const ld = wild.layers[0].logdetAt(rw.y);
  const pos = arr(ld.positive);
  rw.ok.forEach((o, i) => o && assert.is(pos[i], 1, 'ok implies det J_g > 0'));
  assert.ok(rw.ok.some((o) => !o), 'the wild potential produces some rejected samples');
});

test('log q of samples equals logProb and the float64 finite-difference Jacobian density (T², S², stacks)', () => {
  for (const [M, layers, shared] of [
    [torus(2), 1, true],
    [torus(2), 2, false],
    [sphere(2), 1, true],
    [sphere(2), 2, true],
  ] as const) {
    const flow = scaledFlow(M, `lq-${M.name}-${layers}`, 40, layers, shared);
    const s = flow.sample(64, seedrandom('s'));
    const lq = arr(s.logq);
    const lp = arr(flow.logProb(s.x));
    const ok = arr(s.ok);
    assert.ok(ok.filter(Boolean).length >= 60);
    lq.forEach((v, i) => ok[i] && assert.ok(Math.abs(v - lp[i]) < 2e-4, `${M.name} x${layers}: logq ${v} vs logProb ${lp[i]}`));
    // float64 reference: walk back through the layers with g64 and FD Jacobians
    const ys = s.x.arraySync();
    const specs = flow.potentials.map((p) => p.toJSON());
    ys.slice(0, 12).forEach((y0, i) => {
      let y = y0;
      let ref = -M.logVolume;
      for (let k = flow.layers.length - 1; k >= 0; k--) {
        const pj = specs[shared ? 0 : k];
        ref += logdetFD(M, pj.spec as MLPSpec, pj.weights, y);
        y = g64(M, pj.spec as MLPSpec, pj.weights, y);
      }
      assert.ok(Math.abs(ref - lp[i]) < 5e-4, `${M.name} x${layers}: logProb ${lp[i]} vs FD ${ref}`);
    });
  }
});

test('the density integrates to 1: midpoint quadrature on T², Monte Carlo on S²', () => {
  const T = torus(2);
  const ft = scaledFlow(T, 'int-t', 40, 2, false);
  const k = 160;
  const h = (2 * Math.PI) / k;
  const pts: number[][] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) pts.push([-Math.PI + (i + 0.5) * h, -Math.PI + (j + 0.5) * h]);
  const lp = arr(ft.logProb(tf.tensor2d(pts)));
  const z = lp.reduce((s, l) => s + Math.exp(l), 0) * h * h;
  assert.ok(Math.abs(z - 1) < 1e-3, `T²: ∫ q = ${z}`);
  const spread = Math.max(...lp) - Math.min(...lp);
  assert.ok(spread > 0.5, `the T² density is far from uniform (log spread ${spread})`);

  const S = sphere(2);
  const fs = scaledFlow(S, 'int-s', 40, 2, true);
  const N = 20000;
  const u = S.sampleUniform(N, seedrandom('mc'));
  const r = arr(fs.logProb(u)).map((l) => Math.exp(l + S.logVolume));
  const mean = r.reduce((a, b) => a + b, 0) / N;
  const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1) / N);
  assert.ok(Math.abs(mean - 1) < 4 * sd, `S²: E_uniform[q/u] = ${mean} ± ${sd}`);
  assert.ok(sd > 1e-4, 'the S² density is far from uniform');
});

test('reverse-KL loss gradient through the implicit layer matches central finite differences', () => {
  for (const M of [torus(2), sphere(2)]) {
    const flow = scaledFlow(M, 'fdgrad-' + M.name, 30, 2, true);
    for (const l of flow.layers) ((l as unknown as { tol: number }).tol = 1e-6);
    const logp = (x: tf.Tensor2D) => tf.sum(tf.mul(tf.sin(tf.mul(2, x)), tf.tensor1d(M.ambientDim === 2 ? [0.7, -0.4] : [0.5, 0.3, -0.6])), 1) as tf.Tensor1D;
    const loss = () => {
      const s = flow.sample(128, seedrandom('fixed-base'));
      return tf.mean(tf.sub(s.logq, logp(s.x))) as tf.Scalar;
    };
    const { grads } = tf.variableGrads(loss, flow.variables);
    const rng = seedrandom('dir');
    // two directions: the gradient itself (largest derivative) and a random one
    const gradDir = flow.variables.map((v) => tf.clone(grads[v.name]));
    const randDir = flow.variables.map((v) => tf.tensor(Array.from({ length: v.size }, () => rng() - 0.5), v.shape));
    for (const [label, dirs] of [['gradient', gradDir], ['random', randDir]] as const) {
      const norm = Math.sqrt(dirs.reduce((s, d) => s + tf.sum(tf.square(d)).dataSync()[0], 0));
      const analytic = flow.variables.reduce((s, v, i) => s + tf.sum(tf.mul(grads[v.name], dirs[i])).dataSync()[0], 0) / norm;
      const eps = 5e-3;
      const shift = (sign: number) => flow.variables.forEach((v, i) => v.assign(tf.add(v, tf.mul(dirs[i], (sign * eps) / norm))));
      shift(1);
      const lp = loss().dataSync()[0];
      shift(-2);
      const lm = loss().dataSync()[0];
      shift(1);
      const fd = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(analytic - fd) < 0.02 * Math.abs(fd) + 1e-3, `${M.name} (${label}): IFT gradient ${analytic} vs FD ${fd}`);
      if (label === 'gradient') assert.ok(Math.abs(fd) > 0.05, `the gradient direction has a non-negligible derivative (${fd})`);
    }
  }
});

test('equivariance: with ψ a function of x₁ + x₂, f(x + (t, −t)) = f(x) + (t, −t)', () => {
  const M = torus(2);
  const rng = seedrandom('eq');
  const flow = makeIRCPM(M, rng, { hidden: [16, 16], invariantFrequencies: [[1, 1]] });
  const last = flow.potentials[0].variables[flow.potentials[0].variables.length - 1];
  last.assign(tf.mul(last, 60));
  const x = M.sampleUniform(200, seedrandom('eqx'));
  const shift = tf.tensor1d([0.9, -0.9]);
  const y1 = flow.layers[0].solve(M.exp(x, tf.add(tf.zerosLike(x), shift) as tf.Tensor2D)).y;
  const y0 = flow.layers[0].solve(x).y;
  const y0s = M.exp(y0, tf.add(tf.zerosLike(y0), shift) as tf.Tensor2D);
  const err = Math.max(...arr(M.dist(y1, y0s)));
  assert.ok(err < 1e-5, `equivariance error ${err}`);
  const moved = Math.max(...arr(M.dist(y0, x)));
  assert.ok(moved > 0.1);
  // the free potential is not equivariant
  const free = scaledFlow(M, 'free', 60);
  const e2 = Math.max(...arr(M.dist(free.layers[0].solve(M.exp(x, tf.add(tf.zerosLike(x), shift) as tf.Tensor2D)).y, M.exp(free.layers[0].solve(x).y, tf.add(tf.zerosLike(x), shift) as tf.Tensor2D))));
  assert.ok(e2 > 1e-3);
});

test('SU(3) maximal torus: power-sum ψ gives a permutation-equivariant map; density integrates to 1', () => {
  const M = maximalTorus(3);
  const flow = makeIRCPM(M, seedrandom('su3'), { hidden: [16, 16], features: powerSumFeatures(3, 2) });
  const last = flow.potentials[0].variables[flow.potentials[0].variables.length - 1];
  last.assign(tf.mul(last, 60));
  const layer = flow.layers[0];
  const x = M.sampleUniform(200, seedrandom('su3x'));
  // swap θ₁ ↔ θ₃ in the free angles: (x₁, x₂) → (−x₁ − x₂, x₂)
  const swap13 = (t: tf.Tensor2D) => tf.tidy(() => M.exp(tf.zerosLike(t) as tf.Tensor2D, tf.matMul(t, tf.tensor2d([[-1, 0], [-1, 1]])) as tf.Tensor2D));
  const r0 = layer.solve(x);
  const r1 = layer.solve(swap13(x));
  assert.ok(r0.ok.every((o) => o === 1) && r1.ok.every((o) => o === 1));
  const err = Math.max(...arr(M.dist(r1.y, swap13(r0.y))));
  assert.ok(err < 2e-5, `permutation equivariance error ${err}`);
  assert.ok(Math.max(...arr(M.dist(r0.y, x))) > 0.1, 'the map moves points');
  const back = Math.max(...arr(M.dist(layer.inverse(r0.y).x, x)));
  assert.ok(back < 1e-5, `g(f(x)) = x to ${back}`);
  const k = 120;
  const h = (2 * Math.PI) / k;
  const pts: number[][] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) pts.push([-Math.PI + (i + 0.5) * h, -Math.PI + (j + 0.5) * h]);
  const z = arr(flow.logProb(tf.tensor2d(pts))).reduce((s, l) => s + Math.exp(l), 0) * h * h;
  assert.ok(Math.abs(z - 1) < 1e-3, `∫ q dθ₁dθ₂ = ${z}`);
});

test('Fourier potential: Hessian bound holds by construction; diagnostics report it', () => {
  const M = torus(2);
  const rng = seedrandom('fourier');
  const flow = makeIRCPM(M, rng, { potential: 'fourier', frequencies: 3, eta: 0.9 });
  // push the raw coefficients far out: the constrained ones keep Σ|k|²(|a|+|b|) < η
  for (const v of flow.variables) v.assign(tf.mul(tf.sign(tf.randomNormal(v.shape, 0, 1, 'float32', 5)), 50));
  const [diag] = boundDiagnostics(flow, 4000, seedrandom('d'));
  assert.ok(diag.maxHessNorm < 0.9 && diag.maxHessNorm > 0.1, `max‖Hess ψ‖ = ${diag.maxHessNorm}`);
  assert.ok(diag.sufficient && diag.cConcave);
  const r = flow.layers[0].solve(M.sampleUniform(300, seedrandom('f')));
  assert.is(r.ok.reduce((a, b) => a + b, 0), 300);
  // the MLP on S² reports the λ cot λ condition
  const fs = scaledFlow(sphere(2), 'diag-s', 1);
  const [ds] = boundDiagnostics(fs, 2000, seedrandom('ds'));
  assert.ok(Math.abs(ds.hessBound - ds.lambda / Math.tan(ds.lambda)) < 1e-12 && ds.sufficient);
  const ev = symmetricEigenvalues([[2, 1], [1, 2]]).sort();
  assert.ok(Math.abs(ev[0] - 1) < 1e-12 && Math.abs(ev[1] - 3) < 1e-12);
});

test('stacks: shared parameters are counted once; JSON round trip reproduces log q', () => {
  const M = sphere(2);
  const shared = makeIRCPM(M, seedrandom('st'), { layers: 3, shared: true, hidden: [8] });
  const separate = makeIRCPM(M, seedrandom('st'), { layers: 3, shared: false, hidden: [8] });
  assert.is(separate.variables.length, 3 * shared.variables.length);
  assert.ok(shared.layers.every((l) => l.potential === shared.potentials[0]));
  const back = IRCPMFlow.fromJSON(JSON.parse(JSON.stringify(separate.toJSON())));
  const x = M.sampleUniform(50, seedrandom('j'));
  const d = Math.max(...arr(tf.abs(tf.sub(back.logProb(x), separate.logProb(x)))));
  assert.ok(d < 1e-6);
  assert.throws(() => new FourierPotential({ kind: 'fourier', inputDim: 2, frequencies: [[1, 0]], eta: 1.5 }, Math.random), /eta/);
});

test.run();
