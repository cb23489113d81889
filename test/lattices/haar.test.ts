import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRng } from '../../lattices/random.ts';
import { haarSUN } from '../../lattices/haar.ts';
import { sunError, mul, eigUnitary } from '../../lattices/matrix.ts';

/** mean and standard error of a sample */
function meanErr(v: number[]): [number, number] {
  const n = v.length, m = v.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  return [m, sd / Math.sqrt(n)];
}

const n = 20000;

for (const N of [2, 3, 4]) {
  test(`SU(${N}) Haar moments: E tr U = 0, E |tr U|² = 1, E tr U² = 0, E |tr U|⁴ = 2, E Re (tr U)^N = 1 (4σ, σ from the sample)`, () => {
    const rng = makeRng(2026, 'haar', N);
    const m = 2 * N * N, U = new Float64Array(m), U2 = new Float64Array(m);
    const re: number[] = [], im: number[] = [], abs2: number[] = [], abs4: number[] = [], t2re: number[] = [];
    let worst = 0;
    for (let r = 0; r < n; r++) {
      haarSUN(N, rng, U, 0);
      if (r < 500) worst = Math.max(worst, sunError(U, 0, N));
      let tr = 0, ti = 0;
      for (let i = 0; i < N; i++) { tr += U[2 * (i * N + i)]; ti += U[2 * (i * N + i) + 1]; }
      re.push(tr); im.push(ti); abs2.push(tr * tr + ti * ti); abs4.push((tr * tr + ti * ti) ** 2);
      mul(U, 0, U, 0, U2, 0, N);
      let s = 0;
      for (let i = 0; i < N; i++) s += U2[2 * (i * N + i)];
      t2re.push(s);
    }
    assert.ok(worst < 1e-13, `in SU(${N})`);
    for (const [name, v, want] of [['Re tr U', re, 0], ['Im tr U', im, 0], ['|tr U|²', abs2, 1], ['Re tr U²', t2re, N === 2 ? -1 : 0]] as const) {
      const [m_, e] = meanErr(v as number[]);
      assert.ok(Math.abs(m_ - want) < 4 * e, `${name}: ${m_} ± ${e}, expected ${want}`);
    }
    // E|tr U|⁴ = number of irreps in 3⊗3-like products = 2 for every N ≥ 2.
    const [m4, e4] = meanErr(abs4);
    assert.ok(Math.abs(m4 - 2) < 4 * e4, `|tr U|⁴: ${m4} ± ${e4}, expected 2`);
    // E (tr U)^N = 1 on SU(N) (the ε-tensor invariant) but 0 on U(N): this checks the det fix.
    const [mN, eN] = meanErr(re.map((x, i) => {
      let pr = 1, pi = 0;
      for (let k = 0; k < N; k++) { const t = pr * x - pi * im[i]; pi = pr * im[i] + pi * x; pr = t; }
      return pr;
    }));
    assert.ok(Math.abs(mN - 1) < 4 * eN, `Re (tr U)^N: ${mN} ± ${eN}, expected 1`);
  });
}

test('SU(3) Haar eigen-phases repel as Weyl says: mean over pairs of E cos(θ_i − θ_j) = −1/3', () => {
  // E|tr U|² = N + 2 Σ_{i<j} E cos(θ_i−θ_j) = 1 ⇒ Σ_{i<j} E cos = (1−N)/2 = −1 over 3 pairs, mean −1/3
  const rng = makeRng(9, 'haar-eig');
  const N = 3, U = new Float64Array(18), ph = new Float64Array(3), V = new Float64Array(18);
  const c: number[] = [];
  for (let r = 0; r < 5000; r++) {
    haarSUN(N, rng, U, 0);
    eigUnitary(U, 0, N, ph, 0, V, 0);
    c.push((Math.cos(ph[0] - ph[1]) + Math.cos(ph[0] - ph[2]) + Math.cos(ph[1] - ph[2])) / 3);
  }
  const [m, e] = meanErr(c);
  assert.ok(Math.abs(m + 1 / 3) < 4 * e, `${m} ± ${e}`);
});

test('haarSUN writes only its 2N² slot at the given offset, reproducibly', () => {
  const a = new Float64Array(30).fill(7), b = new Float64Array(30).fill(7);
  haarSUN(3, makeRng('x'), a, 5);
  haarSUN(3, makeRng('x'), b, 5);
  assert.equal(Array.from(a), Array.from(b));
  assert.ok(a.slice(0, 5).every((v) => v === 7) && a.slice(23).every((v) => v === 7));
});

test.run();
