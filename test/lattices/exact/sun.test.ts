import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  sunPlaquetteInfinite, sunLogZ, sunCharacterCoeff, sunIrrepDimension, sunExactTorus, sunExact2D, sunSinglePlaquette,
  sunWilsonLoopTorus, sunWilsonLoop2D, sunWilsonLoopInfinite,
} from '../../../lattices/exact/sun.ts';
import { singleMatrixSUN } from '../../../lattices/exact/single-matrix.ts';
import { besselI } from '../../../lattices/exact/bessel.ts';
import { signedLogDet } from '../../../lattices/exact/logdet.ts';

function toDigits(x: number, ref: string, what: string): void {
  const tol = 0.5 * 10 ** -(ref.split('.')[1]?.length ?? 0);
  assert.ok(Math.abs(x - Number(ref)) <= tol, `${what}: ${x} does not round to ${ref}`);
}

test('reference values: SU(2) β=2 and SU(3) β=4 in infinite volume', () => {
  toDigits(sunPlaquetteInfinite(2, 2), '0.433127', 'SU(2) β=2');
  toDigits(sunPlaquetteInfinite(3, 4), '0.279619', 'SU(3) β=4');
  assert.ok(Math.abs(sunPlaquetteInfinite(2, 2) - 0.433127) <= 2e-6 && Math.abs(sunPlaquetteInfinite(3, 4) - 0.279619) <= 2e-6);
});

test('SU(2) closed forms: z = 2I₁(β)/β, plaquette = I₂/I₁, c_j/d_j = (2/β) I_{2j+1}', () => {
  for (const beta of [0.3, 2, 10, 40]) {
    assert.ok(Math.abs(sunLogZ(2, beta) - Math.log((2 * besselI(1, beta)) / beta)) < 1e-13);
    const p = besselI(2, beta) / besselI(1, beta);
    assert.ok(Math.abs(sunPlaquetteInfinite(2, beta) - p) < 1e-13 * Math.max(1, beta), `β=${beta}`);
    for (const j2 of [1, 2, 5]) {
      const c = sunCharacterCoeff(2, beta, [j2, 0]);
      const ref = (2 / beta) * besselI(j2 + 1, beta);
      assert.ok(Math.abs(Math.exp(c.log) / (j2 + 1) / ref - 1) < 1e-11, `c_(${j2}/2) at β=${beta}`);
    }
  }
});

test('analytic β-derivative agrees with finite differences of ln z for N = 3..6', () => {
  for (const N of [3, 4, 5, 6]) {
    for (const beta of [1, 5]) {
      const h = 1e-4;
      const fd = (sunLogZ(N, beta + h) - sunLogZ(N, beta - h)) / (2 * h);
      assert.ok(Math.abs(fd - sunPlaquetteInfinite(N, beta)) < 1e-8, `N=${N} β=${beta}`);
    }
  }
});

test('Bessel determinant agrees with Weyl-torus quadrature (independent method) for N = 3, 4', () => {
  for (const [N, beta] of [[3, 4], [3, 30], [4, 6]] as const) {
    const q = singleMatrixSUN(N, beta, [1]);
    const b = sunSinglePlaquette(N, beta);
    assert.ok(Math.abs(q.retr - b.retr) < 1e-11 && Math.abs(q.logZ - b.logZ) < 1e-11, `SU(${N}) β=${beta}`);
  }
});

test('character expansion is complete: Σ_λ d_λ c_λ(β) = e^{β} (value of the weight at U = 1)', () => {
  for (const [N, beta, top] of [[2, 3, 30], [3, 2, 16], [4, 1.5, 14]] as const) {
    let s = 0;
    // all λ with λ_1 ≤ top, λ_N = 0 (the tail beyond is < 1e-13 of the total)
    const rec = (lam: number[], max: number): void => {
      if (lam.length === N - 1) {
        const full = [...lam, 0];
        s += sunIrrepDimension(full) * Math.exp(sunCharacterCoeff(N, beta, full).log);
        return;
      }
      for (let v = 0; v <= max; v++) rec([...lam, v], v);
    };
    rec([], top);
    assert.ok(Math.abs(s / Math.exp(beta) - 1) < 1e-12, `N=${N}: ${s} vs ${Math.exp(beta)}`);
  }
});

test('irrep dimensions (Weyl formula)', () => {
  assert.is(sunIrrepDimension([1, 0, 0]), 3);
  assert.is(sunIrrepDimension([1, 1, 0]), 3);
  assert.is(sunIrrepDimension([2, 1, 0]), 8);
  assert.is(sunIrrepDimension([3, 0, 0]), 10);
  assert.is(sunIrrepDimension([1, 1, 0, 0]), 6);
  assert.is(sunIrrepDimension([2, 1, 1, 0]), 15);
});

test('finite torus: SU(2) against Σ_n ((2/β) I_n)^V and approach to infinite volume', () => {
  const beta = 2;
  for (const V of [4, 9, 16]) {
    let num = 0;
    let den = 0;
    for (let n = 1; n < 40; n++) {
      const a = (2 / beta) * besselI(n, beta);
      // ∂_β a_n = (2/β)(I_n′ − I_n/β)
      const da = (2 / beta) * (0.5 * (besselI(n - 1, beta) + besselI(n + 1, beta)) - besselI(n, beta) / beta);
      num += a ** (V - 1) * da;
      den += a ** V;
    }
    const r = sunExactTorus(2, beta, V);
    assert.ok(Math.abs(r.plaquette - num / den) < 1e-13, `V=${V}: ${r.plaquette} vs ${num / den}`);
    assert.ok(Math.abs(r.logZ - Math.log(den)) < 1e-12);
  }
  for (const N of [2, 3]) {
    const inf = sunPlaquetteInfinite(N, 3);
    const small = sunExact2D(N, 3, 2).plaquette;
    const big = sunExact2D(N, 3, 16).plaquette;
    assert.ok(Math.abs(small - inf) > 1e-4, 'finite-size effect visible at L=2');
    assert.ok(Math.abs(big - inf) < 1e-12, 'gone at L=16');
  }
  // (1/V) ∂_β ln Z = plaquette on the torus
  const h = 1e-4;
  const fd = (sunExactTorus(3, 4 + h, 9).logZ - sunExactTorus(3, 4 - h, 9).logZ) / (2 * h * 9);
  assert.ok(Math.abs(fd - sunExactTorus(3, 4, 9).plaquette) < 1e-8);
});

test('Wilson loops: area 1 equals the plaquette (fusion vs β-derivative), SU(2) Bessel form, area law', () => {
  for (const [N, beta, V] of [[2, 2, 4], [3, 4, 4], [3, 4, 16], [4, 3, 9]] as const) {
    const w = sunWilsonLoopTorus(N, beta, V, 1);
    assert.ok(Math.abs(w - sunExactTorus(N, beta, V).plaquette) < 1e-13, `N=${N} β=${beta} V=${V}`);
  }
  // SU(2): ĉ_n = (2/β) I_n(β) for the irrep of dimension n; fundamental fusion n → n ± 1
  const beta = 2.5;
  const V = 9;
  const A = 4;
  const a = (n: number): number => (2 / beta) * besselI(n, beta);
  let num = 0;
  let den = 0;
  for (let n = 1; n < 40; n++) {
    den += a(n) ** V;
    for (const m of [n - 1, n + 1]) if (m >= 1) num += (n / m) * a(n) ** A * a(m) ** (V - A);
  }
  assert.ok(Math.abs(sunWilsonLoop2D(2, beta, 3, 2, 2) - num / den / 2) < 1e-14);
  // infinite volume: exact area law, reached on a large torus
  for (const N of [2, 3]) {
    const w4 = sunWilsonLoopInfinite(N, 3, 4);
    assert.ok(Math.abs(w4 - sunPlaquetteInfinite(N, 3) ** 4) < 1e-16);
    assert.ok(Math.abs(sunWilsonLoop2D(N, 3, 16, 2, 2) - w4) < 1e-12);
  }
});

test('β = 0 gives 0, ln z = 0; large N and large β stay finite', () => {
  for (const N of [2, 3, 7]) {
    assert.ok(Math.abs(sunPlaquetteInfinite(N, 0)) < 1e-15);
    assert.ok(Math.abs(sunLogZ(N, 0)) < 1e-15);
  }
  const p = sunPlaquetteInfinite(8, 50);
  assert.ok(p > 0 && p < 1);
  assert.ok(Number.isFinite(sunLogZ(3, 2000)));
  // strong coupling: ⟨(1/N) Re tr P⟩ ≈ β/(2N²) for N ≥ 3 at small β
  assert.ok(Math.abs(sunPlaquetteInfinite(5, 0.01) - 0.01 / 50) < 1e-8);
});

test('signedLogDet: sign and magnitude', () => {
  const a = Float64Array.from([0, 2, 1, 3, 1, 0, 1, 0, 4]);
  const d = signedLogDet(a, 3);
  // det = 0·(4−0) − 2·(12−0) + 1·(0−1) = −25
  assert.is(d.sign, -1);
  assert.ok(Math.abs(d.log - Math.log(25)) < 1e-15);
  assert.is(signedLogDet(Float64Array.from([1, 2, 2, 4]), 2).sign, 0);
});

test('bad input throws', () => {
  assert.throws(() => sunPlaquetteInfinite(1, 2), /N must be at least 2/);
  assert.throws(() => sunPlaquetteInfinite(2.5, 2), /N must be an integer/);
  assert.throws(() => sunPlaquetteInfinite(3, -1), /beta/);
  assert.throws(() => sunPlaquetteInfinite(3, NaN), /beta/);
  assert.throws(() => sunExact2D(3, 1, 1), /L must be at least 2/);
  assert.throws(() => sunCharacterCoeff(3, 1, [0, 1, 0]), /non-increasing/);
});

test.run();
