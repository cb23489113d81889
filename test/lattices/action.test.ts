import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice, plaquetteCount } from '../../lattices/geometry.ts';
import { U1, su, linkSize } from '../../lattices/group.ts';
import { coldStart, hotStart, cloneField, type SUNField, type U1Field } from '../../lattices/field.ts';
import { makeRng, gaussian } from '../../lattices/random.ts';
import {
  wilsonAction, averagePlaquette, wilsonForce, wilsonForceByStaples, stapleU1, stapleSUN, randomAlgebra, plaquetteAngle,
} from '../../lattices/action.ts';
import { expTAH, mul, reTraceMul, sunError } from '../../lattices/matrix.ts';

const rng = makeRng(7, 'action-test');

test('cold start: plaquette 1, S = −β·(#plaquettes), zero force', () => {
  for (const ext of [[4, 4], [3, 4, 5], [2, 3, 2, 3]]) {
    const lat = makeLattice(ext);
    for (const g of [U1, su(2), su(3), su(4)]) {
      const f = coldStart(lat, g);
      assert.ok(Math.abs(averagePlaquette(f) - 1) < 1e-15);
      assert.ok(Math.abs(wilsonAction(f, 2.5) + 2.5 * plaquetteCount(lat)) < 1e-9);
      const F = new Float64Array(lat.volume * lat.dims * linkSize(g));
      wilsonForce(f, 2.5, F);
      assert.ok(F.every((v) => Math.abs(v) < 1e-15));
    }
  }
});

test('U(1) action equals −β Σ cos θ_P computed from plaquetteAngle, orientation P_νμ = −P_μν', () => {
  const lat = makeLattice([4, 3, 5]);
  const f = hotStart(lat, U1, rng);
  let s = 0;
  for (let x = 0; x < lat.volume; x++) for (let mu = 0; mu < 3; mu++) for (let nu = mu + 1; nu < 3; nu++) {
    s += Math.cos(plaquetteAngle(f, x, mu, nu));
    assert.ok(Math.abs(plaquetteAngle(f, x, mu, nu) + plaquetteAngle(f, x, nu, mu)) < 1e-14);
  }
  assert.ok(Math.abs(wilsonAction(f, 1.3) + 1.3 * s) < 1e-10);
});

test('U(1) staple: the action depends on θ_l only through −β Re(e^{iθ_l} A)', () => {
  for (const ext of [[5, 4], [3, 3, 3, 4]]) {
    const lat = makeLattice(ext), beta = 1.7;
    const f = hotStart(lat, U1, rng);
    for (let r = 0; r < 10; r++) {
      const l = Math.floor(rng() * lat.volume * lat.dims);
      const A = stapleU1(f, l);
      const g = cloneField(f);
      const t0 = f.theta[l], t1 = t0 + 2 * Math.PI * rng();
      g.theta[l] = t1;
      const dS = wilsonAction(g, beta) - wilsonAction(f, beta);
      const pred = -beta * ((Math.cos(t1) - Math.cos(t0)) * A.re - (Math.sin(t1) - Math.sin(t0)) * A.im);
      assert.ok(Math.abs(dS - pred) < 1e-10, `${dS} vs ${pred}`);
    }
  }
});

test('SU(N) staple: the action depends on U_l only through −(β/N) Re tr(U_l A)', () => {
  for (const [ext, N] of [[[3, 4], 2], [[3, 3, 3], 3], [[2, 3, 2, 2], 4], [[3, 2, 2, 2], 3]] as [number[], number][]) {
    const lat = makeLattice(ext), beta = 2.2, m = 2 * N * N;
    const f = hotStart(lat, su(N), rng);
    const A = new Float64Array(m);
    for (let r = 0; r < 5; r++) {
      const l = Math.floor(rng() * lat.volume * lat.dims);
      stapleSUN(f, l, A, 0);
      const g = cloneField(f);
      const X = new Float64Array(m), E = new Float64Array(m);
      randomAlgebra(N, rng, X, 0);
      expTAH(X, 0, E, 0, N);
      mul(E, 0, f.links, l * m, g.links, l * m, N);
      const dS = wilsonAction(g, beta) - wilsonAction(f, beta);
      const pred = (-beta / N) * (reTraceMul(g.links, l * m, A, 0, N) - reTraceMul(f.links, l * m, A, 0, N));
      assert.ok(Math.abs(dS - pred) < 1e-10, `N=${N}: ${dS} vs ${pred}`);
    }
  }
});

test('U(1) force = central finite difference of S along random directions (d = 2, 4; rel 1e-6)', () => {
  for (const ext of [[6, 5], [3, 4, 3, 3]]) {
    const lat = makeLattice(ext), beta = 1.9, n = lat.volume * lat.dims;
    const f = hotStart(lat, U1, rng);
    const F = new Float64Array(n);
    wilsonForce(f, beta, F);
    for (let r = 0; r < 5; r++) {
      const v = new Float64Array(n);
      for (let l = 0; l < n; l++) v[l] = gaussian(rng);
      const eps = 1e-4;
      const shifted = (s: number): number => {
        const g = cloneField(f);
        for (let l = 0; l < n; l++) g.theta[l] += s * v[l];
        return wilsonAction(g, beta);
      };
      const fd = (shifted(eps) - shifted(-eps)) / (2 * eps);
      let an = 0;
      for (let l = 0; l < n; l++) an += F[l] * v[l];
      assert.ok(Math.abs(fd - an) < 1e-6 * Math.abs(an), `U(1) ${ext}: fd ${fd} vs ${an}`);
    }
    // single link as well
    const l = 3, eps = 1e-5;
    const g1 = cloneField(f), g2 = cloneField(f);
    g1.theta[l] += eps; g2.theta[l] -= eps;
    const fd = (wilsonAction(g1, beta) - wilsonAction(g2, beta)) / (2 * eps);
    assert.ok(Math.abs(fd - F[l]) < 1e-6 * Math.max(1, Math.abs(F[l])));
  }
});

test('SU(N) force: d/dε S(e^{εX}U) = −2 Re tr(F X) along random algebra directions (N = 2, 3, 4; d = 2, 4; rel 1e-6)', () => {
  for (const [ext, N] of [[[4, 3], 2], [[3, 3], 3], [[2, 2, 2, 3], 2], [[2, 3, 2, 2], 3], [[3, 3], 4], [[2, 2, 2, 2], 4]] as [number[], number][]) {
    const lat = makeLattice(ext), beta = 2.3, m = 2 * N * N, n = lat.volume * lat.dims;
    const f = hotStart(lat, su(N), rng);
    const F = new Float64Array(n * m);
    wilsonForce(f, beta, F);
    for (let r = 0; r < 3; r++) {
      const X = new Float64Array(n * m);
      for (let l = 0; l < n; l++) randomAlgebra(N, rng, X, l * m);
      const eps = 1e-4;
      const shifted = (s: number): number => {
        const g = cloneField(f) as SUNField;
        const Y = new Float64Array(m), E = new Float64Array(m);
        for (let l = 0; l < n; l++) {
          for (let k = 0; k < m; k++) Y[k] = s * X[l * m + k];
          expTAH(Y, 0, E, 0, N);
          mul(E, 0, f.links, l * m, g.links, l * m, N);
        }
        return wilsonAction(g, beta);
      };
      const fd = (shifted(eps) - shifted(-eps)) / (2 * eps);
      let an = 0;
      for (let l = 0; l < n; l++) an += -2 * reTraceMul(F, l * m, X, l * m, N);
      assert.ok(Math.abs(fd - an) < 1e-6 * Math.abs(an), `SU(${N}) ${ext}: fd ${fd} vs ${an}`);
    }
    // F is traceless anti-Hermitian on every link
    for (let l = 0; l < n; l++) {
      let re = 0, im = 0;
      for (let i = 0; i < N; i++) { re += Math.abs(F[l * m + 2 * (i * N + i)]); im += F[l * m + 2 * (i * N + i) + 1]; }
      assert.ok(re === 0 && Math.abs(im) < 1e-14);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
        const a = l * m + 2 * (i * N + j), b = l * m + 2 * (j * N + i);
        assert.ok(Math.abs(F[a] + F[b]) < 1e-15 && Math.abs(F[a + 1] - F[b + 1]) < 1e-15, 'F anti-Hermitian');
      }
    }
  }
});

test('SU(N) force (plaquette-wise accumulation) equals the per-link staple formula', () => {
  for (const [ext, N] of [[[3, 4], 2], [[3, 3, 2, 2], 3], [[2, 3, 2], 4], [[3, 3], 5]] as [number[], number][]) {
    const lat = makeLattice(ext), m = 2 * N * N;
    const f = hotStart(lat, su(N), rng);
    const a = new Float64Array(lat.volume * lat.dims * m), b = new Float64Array(a.length);
    wilsonForce(f, 1.7, a);
    wilsonForceByStaples(f, 1.7, b);
    let e = 0;
    for (let k = 0; k < a.length; k++) e = Math.max(e, Math.abs(a[k] - b[k]));
    assert.ok(e < 1e-13, `SU(${N}) ${ext}: ${e}`);
  }
});

test('hot start is in SU(N); hot plaquette ≈ 0 (Haar), cold = 1', () => {
  const lat = makeLattice([4, 4, 4, 4]);
  for (const N of [2, 3]) {
    const f = hotStart(lat, su(N), rng);
    let e = 0;
    for (let l = 0; l < lat.volume * 4; l++) e = Math.max(e, sunError(f.links, l * 2 * N * N, N));
    assert.ok(e < 1e-13);
    // (1/N) Re tr P of independent Haar links has variance 1/(2N²): 1536 plaquettes → σ ≈ 0.013 (N=2)
    assert.ok(Math.abs(averagePlaquette(f)) < 5 * Math.sqrt(1 / (2 * N * N) / 1536));
  }
  const u = hotStart(makeLattice([16, 16]), U1, rng) as U1Field;
  assert.ok(Math.abs(averagePlaquette(u)) < 5 * Math.sqrt(0.5 / 256));
});

test('bad inputs: wrong force buffer length and non-finite beta throw clear errors', () => {
  const f = coldStart(makeLattice([4, 4]), U1);
  assert.throws(() => wilsonForce(f, 1, new Float64Array(3)), /length 32/);
  assert.throws(() => wilsonAction(f, NaN), /beta/);
});

test.run();
