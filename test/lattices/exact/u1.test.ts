import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  u1Exact2D, u1ExactTorus, u1GScaled, u1GScaledTail, u1Infinite2D, u1WilsonLoop2D, u1WilsonLoopTorus, u1ChargeDistribution2D,
} from '../../../lattices/exact/u1.ts';
import { besselI, besselIScaled } from '../../../lattices/exact/bessel.ts';

/** |x − ref| within half a unit of the last digit shown in `ref` (i.e. x rounds to ref). */
function toDigits(x: number, ref: string, what: string): void {
  const decimals = ref.split('.')[1]?.length ?? 0;
  const tol = 0.5 * 10 ** -decimals;
  assert.ok(Math.abs(x - Number(ref)) <= tol, `${what}: ${x} does not round to ${ref}`);
}

test('reference values: β=2, L=8 and β=6, L=16', () => {
  const a = u1Exact2D(2, 8);
  toDigits(a.plaquette, '0.697775', '⟨cos θ_P⟩ β=2 L=8');
  toDigits(a.Q2, '1.23930', '⟨Q²⟩ β=2 L=8');
  assert.ok(Math.abs(a.chi - a.Q2 / 64) < 1e-16);
  const b = u1Exact2D(6, 16);
  toDigits(b.plaquette, '0.912359', '⟨cos θ_P⟩ β=6 L=16');
  toDigits(b.Q2, '1.19470', '⟨Q²⟩ β=6 L=16');
  // and within 2e-6 absolute of every quoted value
  for (const [x, ref] of [[a.plaquette, 0.697775], [a.Q2, 1.2393], [b.plaquette, 0.912359], [b.Q2, 1.1947]]) {
    assert.ok(Math.abs(x! - ref!) <= 2e-6, `${x} vs ${ref}`);
  }
});

test('g(n) by quadrature equals I_n(β); g is even in ν and g′(0) = 0', () => {
  for (const beta of [0.5, 2, 6, 20]) {
    for (const n of [0, 1, 3, 8]) {
      const d = u1GScaled(n, beta);
      assert.ok(Math.abs(d.g - besselIScaled(n, beta)) < 1e-14, `g(${n}) at β=${beta}`);
    }
    const p = u1GScaled(1.3, beta);
    const m = u1GScaled(-1.3, beta);
    assert.ok(Math.abs(p.g - m.g) < 1e-15 && Math.abs(p.dg + m.dg) < 1e-15 && Math.abs(p.d2g - m.d2g) < 1e-15);
    assert.ok(Math.abs(u1GScaled(0, beta).dg) < 1e-15);
  }
  // ν-derivatives against central differences of g itself
  const h = 1e-3;
  const g = (nu: number): number => u1GScaled(nu, 3).g;
  const d = u1GScaled(2.4, 3);
  assert.ok(Math.abs((g(2.4 + h) - g(2.4 - h)) / (2 * h) - d.dg) < 1e-8);
  assert.ok(Math.abs((g(2.4 + h) - 2 * g(2.4) + g(2.4 - h)) / (h * h) - d.d2g) < 1e-6);
});

test('⟨Q²⟩ = −∂²_ϑ ln Z by finite differences of Z(ϑ) = Σ_n g(n+ϑ/2π)^V', () => {
  const beta = 2;
  const V = 16;
  const lnZ = (theta: number): number => {
    let s = 0;
    for (let n = -12; n <= 12; n++) s += u1GScaled(n + theta / (2 * Math.PI), beta).g ** V;
    return Math.log(s);
  };
  const h = 0.02;
  // Richardson-extrapolated second difference: O(h⁴) error
  const d2 = (k: number): number => (lnZ(k * h) - 2 * lnZ(0) + lnZ(-k * h)) / (k * h) ** 2;
  const fd = -(4 * d2(1) - d2(2)) / 3;
  const exact = u1ExactTorus(beta, V).Q2;
  assert.ok(Math.abs(fd - exact) < 1e-6 * exact, `finite difference ${fd} vs ${exact}`);
});

test('⟨cos θ_P⟩ = (1/V) ∂_β ln Z (consistency of plaquette and log Z)', () => {
  for (const [beta, L] of [[1.5, 3], [4, 6]] as const) {
    const h = 1e-4;
    const fd = (u1Exact2D(beta + h, L).logZ - u1Exact2D(beta - h, L).logZ) / (2 * h * L * L);
    assert.ok(Math.abs(fd - u1Exact2D(beta, L).plaquette) < 1e-8);
  }
});

test('small volume sums many windings: V = 4 against the explicit Bessel sum', () => {
  const beta = 1.2;
  let num = 0;
  let den = 0;
  for (let n = -30; n <= 30; n++) {
    const I = besselI(n, beta);
    num += I ** 3 * 0.5 * (besselI(n - 1, beta) + besselI(n + 1, beta));
    den += I ** 4;
  }
  assert.ok(Math.abs(u1Exact2D(beta, 2).plaquette - num / den) < 1e-14);
  assert.ok(Math.abs(u1Exact2D(beta, 2).logZ - Math.log(den)) < 1e-13);
});

test('β = 0: uniform plaquettes, ⟨cos⟩ = 0 and ⟨Q²⟩ = V/12', () => {
  for (const L of [2, 5, 16]) {
    const r = u1Exact2D(0, L);
    assert.is(r.plaquette, 0);
    assert.ok(Math.abs(r.Q2 - (L * L) / 12) < 1e-12 * L * L);
    assert.ok(Math.abs(r.logZ) < 1e-15);
  }
  assert.ok(Math.abs(u1Infinite2D(0).chi - 1 / 12) < 1e-15);
});

test('large volumes stay finite and approach the infinite-volume values', () => {
  const inf = u1Infinite2D(2);
  assert.ok(Math.abs(inf.plaquette - besselI(1, 2) / besselI(0, 2)) < 1e-15);
  assert.ok(Math.abs(inf.logZ - Math.log(besselI(0, 2))) < 1e-15);
  for (const L of [64, 256]) {
    const r = u1Exact2D(2, L);
    assert.ok(Number.isFinite(r.logZ) && Number.isFinite(r.Q2));
    // finite-size corrections ~ (I_1/I_0)^V: invisible at V = 4096
    assert.ok(Math.abs(r.plaquette - inf.plaquette) < 1e-12, `L=${L}: ${r.plaquette}`);
    assert.ok(Math.abs(r.chi - inf.chi) < 1e-12, `L=${L}: χ ${r.chi} vs ${inf.chi}`);
  }
  // also at strong coupling where V ln I_0 is large: ln Z ≈ V ln I_0(β)
  const big = u1Exact2D(20, 128);
  assert.ok(Math.abs(big.logZ / (128 * 128) - Math.log(besselI(0, 20))) < 1e-12);
});

test('topological freezing: χ_t falls with β at fixed L, ⟨Q²⟩ ≥ 0', () => {
  let prev = Infinity;
  for (const beta of [1, 2, 4, 8, 12]) {
    const { chi, Q2 } = u1Exact2D(beta, 8);
    assert.ok(chi < prev && Q2 >= 0);
    prev = chi;
  }
  assert.ok(u1Exact2D(20, 2).Q2 >= 0);
});

test('Wilson loops: area 1 is the plaquette, A ↔ V−A symmetry, explicit sum, area law at large V', () => {
  for (const [beta, V] of [[2, 4], [5, 9], [2, 64]] as const) {
    assert.ok(Math.abs(u1WilsonLoopTorus(beta, V, 1) - u1ExactTorus(beta, V).plaquette) < 1e-14);
    assert.ok(Math.abs(u1WilsonLoopTorus(beta, V, 2) - u1WilsonLoopTorus(beta, V, V - 2)) < 1e-14);
  }
  const beta = 1.7;
  let num = 0;
  let den = 0;
  for (let n = -30; n <= 30; n++) {
    num += besselI(n, beta) ** 7 * besselI(n + 1, beta) ** 2;
    den += besselI(n, beta) ** 9;
  }
  assert.ok(Math.abs(u1WilsonLoop2D(beta, 3, 1, 2) - num / den) < 1e-14);
  const w = besselI(1, 2) / besselI(0, 2);
  assert.ok(Math.abs(u1WilsonLoop2D(2, 64, 3, 4) - w ** 12) < 1e-14);
  assert.throws(() => u1WilsonLoop2D(2, 4, 4, 1), /fit inside/);
});

test('g(ν) at non-integer ν: Bessel + K-integral form equals the direct Fourier integral', () => {
  for (const [nu, beta] of [[0.3, 2], [1.5, 20], [7.25, 2], [12.6, 6]] as const) {
    const a = u1GScaledTail(nu, beta);
    const b = u1GScaled(nu, beta).g;
    assert.ok(Math.abs(a - b) < 1e-14, `ν=${nu} β=${beta}: ${a} vs ${b}`);
  }
  // β = 0: g(ν) = sin(νπ)/(νπ)
  assert.ok(Math.abs(u1GScaledTail(2.5, 0) - Math.sin(2.5 * Math.PI) / (2.5 * Math.PI)) < 1e-15);
});

test('charge distribution P(Q): normalised, ⟨Q²⟩ agrees with −∂²_ϑ ln Z, Irwin–Hall at β = 0', () => {
  for (const [beta, L] of [[2, 8], [6, 16], [1, 2], [0, 2], [2, 32]] as const) {
    const d = u1ChargeDistribution2D(beta, L);
    const sum = d.P.reduce((a, p) => a + p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `β=${beta} L=${L}: ΣP = ${sum}`);
    const ref = u1Exact2D(beta, L).Q2;
    // Σ Q² P(Q) adds the ~1e-14 absolute error of each P(Q) with weight Q²
    assert.ok(Math.abs(d.Q2 - ref) < 1e-10 * Math.max(1, ref), `β=${beta} L=${L}: ${d.Q2} vs ${ref}`);
    assert.ok(d.P.every((p, i) => p === d.P[d.P.length - 1 - i]), 'P(Q) = P(−Q)');
  }
  // β = 0, V = 4: the sum of four uniform angles/2π at integers (Irwin–Hall): P = 1/6, 2/3, 1/6
  const d0 = u1ChargeDistribution2D(0, 2);
  const at = (q: number): number => d0.P[d0.Q.indexOf(q)]!;
  assert.ok(Math.abs(at(0) - 2 / 3) < 1e-13 && Math.abs(at(1) - 1 / 6) < 1e-13 && Math.abs(at(2)) < 1e-13);
});

test('bad input throws', () => {
  assert.throws(() => u1Exact2D(-1, 8), /beta/);
  assert.throws(() => u1Exact2D(2, 1), /L must be at least 2/);
  assert.throws(() => u1Exact2D(2, 4.5), /L must be an integer/);
  assert.throws(() => u1Exact2D(NaN, 4), /beta/);
  assert.throws(() => u1Exact2D(Infinity, 4), /beta/);
  assert.throws(() => u1ExactTorus(1, 0), /volume/);
});

test.run();
