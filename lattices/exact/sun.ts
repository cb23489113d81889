/**
 * 2D SU(N) Wilson gauge theory, exact, from the character expansion of one plaquette:
 *   e^{(b/N) Re tr U} = Σ_λ c_λ(b) χ_λ(U),
 *   c_λ(b) = Σ_{q∈ℤ} det[I_{λ_i + q − i + j}(b/N)]_{i,j=1..N}   (SU(N): λ_N = 0),
 * with Haar-normalised measure, so c_0 = z(b) = ∫ dU e^{(b/N) Re tr U}.
 * - Infinite volume: plaquettes decouple, ⟨(1/N) Re tr P⟩ = ∂_β ln z(β).
 * - Periodic L×L torus (genus 1, V = L² plaquettes): Z = Σ_λ (c_λ/d_λ)^V, d_λ the dimension.
 * - Wilson loops: infinite volume ⟨(1/N) tr W⟩ = w^A, w the plaquette value (2D area law);
 *   on the torus, gluing a disc of area A to the rest with χ_f inserted gives
 *   ⟨tr W⟩ = Σ_{μ, λ = μ + box} (d_μ/d_λ) ĉ_μ^A ĉ_λ^{V−A} / Σ_λ ĉ_λ^V, ĉ = c/d.
 * β-derivatives are analytic (Jacobi's formula, one column replaced by ∂_β of the Bessel
 * entries, ∂_x I_n = (I_{n−1} + I_{n+1})/2), never finite differences.
 *
 * Accuracy: the Bessel-Toeplitz matrices become ill-conditioned as x = β/N grows (their symbol
 * e^{x cos k} spans e^{±x}), so rounding grows with N and β. Measured by recomputing with
 * similarity-rescaled entries: ≲1e-13 for N ≤ 4 up to β = 100 (and against the torus
 * quadrature in single-matrix.ts, an independent method), ≲1e-10 at N = 10, β = 100.
 */
import { logBesselISigned } from './bessel.ts';
import { signedLogDet, signedLogSumExp } from './logdet.ts';
import { assertBeta, assertFinite, assertIntAtLeast, checkBudget, type ExactBudget } from './validate.ts';

type Signed = { sign: number; log: number };

/** e^{−(scale)} I_n(x) and its x-derivative, for all integer n on demand, with a common log scale. */
class BesselEntries {
  private cache = new Map<number, Signed>();
  readonly log0: number;
  constructor(readonly x: number) {
    this.log0 = this.raw(0).log;
  }
  private raw(n: number): Signed {
    let r = this.cache.get(n);
    if (!r) {
      r = logBesselISigned(n, this.x);
      this.cache.set(n, r);
    }
    return r;
  }
  /** I_n(x)/I_0(|x|) */
  value(n: number): number {
    const r = this.raw(n);
    return r.sign * Math.exp(r.log - this.log0);
  }
  /** I_n′(x)/I_0(|x|) */
  deriv(n: number): number {
    return 0.5 * (this.value(n - 1) + this.value(n + 1));
  }
}

export interface CharacterCoeff {
  /** ln|c_λ| */
  log: number;
  /** sign of c_λ */
  sign: number;
  /** (∂_b c_λ)/c_λ */
  dlog: number;
}

const NEGLIGIBLE = 42; // e^{−42} ≈ 6e-19

/**
 * Character coefficient c_λ(b) of e^{(b/N) Re tr U} on SU(N), any real b, with its
 * logarithmic derivative in b. `lambda` has N entries (or N−1, λ_N = 0 appended), non-increasing.
 */
export function sunCharacterCoeff(N: number, b: number, lambda: readonly number[] = []): CharacterCoeff {
  assertIntAtLeast('N', N, 2);
  assertFinite('b', b);
  return characterCoeff(N, new BesselEntries(b / N), normaliseLambda(N, lambda));
}

function normaliseLambda(N: number, lambda: readonly number[]): number[] {
  const lam = [...lambda];
  while (lam.length < N) lam.push(0);
  if (lam.length > N) throw new Error(`lambda has ${lam.length} parts, SU(${N}) allows at most ${N}`);
  for (let i = 0; i < N; i++) {
    if (!Number.isInteger(lam[i])) throw new Error(`lambda must hold integers, got ${lam[i]}`);
    if (i > 0 && lam[i]! > lam[i - 1]!) throw new Error(`lambda must be non-increasing, got [${lam.join(',')}]`);
  }
  return lam;
}

function characterCoeff(N: number, bes: BesselEntries, lam: number[]): CharacterCoeff {
  const x = bes.x;
  const m = new Float64Array(N * N);
  const mc = new Float64Array(N * N);
  const dets: Signed[] = [];
  const ders: Signed[] = [];
  const term = (q: number): number => {
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) m[i * N + j] = bes.value(lam[i]! + q - i + j);
    const d = signedLogDet(m, N);
    // Jacobi: ∂ det = Σ_k det(M with column k replaced by ∂M's column k). ∂_b = (1/N) ∂_x.
    const parts: Signed[] = [];
    for (let k = 0; k < N; k++) {
      mc.set(m);
      for (let i = 0; i < N; i++) mc[i * N + k] = bes.deriv(lam[i]! + q - i + k) / N;
      parts.push(signedLogDet(mc, N));
    }
    const dd = signedLogSumExp(parts);
    dets.push(d);
    ders.push(dd);
    return Math.max(d.log, dd.log);
  };
  // The q-sum peaks where the indices λ_i + q are centred on 0.
  const sumLam = lam.reduce((a, v) => a + v, 0);
  const q0 = -Math.round(sumLam / N);
  let best = term(q0);
  if (x === 0) best = Math.max(best, 0);
  for (const dir of [1, -1]) {
    let quiet = 0;
    for (let q = q0 + dir; Math.abs(q - q0) < 100000; q += dir) {
      const l = term(q);
      if (l > best) best = l;
      if (l < best - NEGLIGIBLE) {
        if (++quiet >= 3) break;
      } else quiet = 0;
    }
  }
  const c = signedLogSumExp(dets);
  const dc = signedLogSumExp(ders);
  const scale = N * bes.log0; // every determinant was divided by I_0(|x|)^N
  return {
    log: c.log + scale,
    sign: c.sign,
    dlog: c.sign === 0 ? NaN : c.sign * dc.sign * Math.exp(dc.log - c.log),
  };
}

/**
 * One-plaquette (single-matrix) integral z(b) = ∫_{SU(N)} dU e^{(b/N) Re tr U} (Haar
 * normalised), any real b: ln z and ∂_b ln z = ⟨(1/N) Re tr U⟩.
 */
export function sunSinglePlaquette(N: number, b: number): { logZ: number; retr: number } {
  assertIntAtLeast('N', N, 2);
  assertFinite('b', b);
  const c = characterCoeff(N, new BesselEntries(b / N), new Array(N).fill(0));
  if (c.sign <= 0) throw new Error(`z(${b}) for SU(${N}) came out non-positive: numerical breakdown`);
  return { logZ: c.log, retr: c.dlog };
}

/** ln z(β) for the 2D SU(N) single plaquette, z(β) = Σ_q det[I_{q+i−j}(β/N)]. */
export function sunLogZ(N: number, beta: number): number {
  assertBeta(beta);
  return sunSinglePlaquette(N, beta).logZ;
}

/** 2D SU(N), infinite volume: ⟨(1/N) Re tr P⟩ = ∂_β ln z(β). SU(2): I₂(β)/I₁(β). */
export function sunPlaquetteInfinite(N: number, beta: number): number {
  assertIntAtLeast('N', N, 2);
  assertBeta(beta);
  return sunSinglePlaquette(N, beta).retr;
}

/** Dimension of the SU(N) irrep with highest weight λ (Weyl): Π_{i<j} (λ_i − λ_j + j − i)/(j − i). */
export function sunIrrepDimension(lambda: readonly number[]): number {
  let d = 1;
  for (let i = 0; i < lambda.length; i++) {
    for (let j = i + 1; j < lambda.length; j++) d *= (lambda[i]! - lambda[j]! + j - i) / (j - i);
  }
  return Math.round(d);
}

/** All λ = (λ_1 ≥ … ≥ λ_{N−1} ≥ λ_N = 0) with λ_1 = top. */
function partitionsWithTop(N: number, top: number): number[][] {
  const out: number[][] = [];
  const cur = new Array<number>(N).fill(0);
  cur[0] = top;
  const rec = (i: number, max: number): void => {
    if (i === N - 1) {
      out.push([...cur]);
      return;
    }
    for (let v = 0; v <= max; v++) {
      cur[i] = v;
      rec(i + 1, v);
    }
  };
  if (N === 1) return [[0]];
  rec(1, top);
  return out;
}

/**
 * 2D SU(N) on a periodic lattice with V plaquettes: Z = Σ_λ (c_λ/d_λ)^V and
 * ⟨(1/N) Re tr P⟩ = Σ_λ w_λ ∂_β ln c_λ with w_λ ∝ (c_λ/d_λ)^V. Tends to the infinite-volume
 * value exponentially fast in V.
 */
export function sunExactTorus(N: number, beta: number, volume: number, budget?: ExactBudget): { plaquette: number; logZ: number; irreps: number } {
  assertIntAtLeast('N', N, 2);
  assertBeta(beta);
  assertIntAtLeast('volume (number of plaquettes)', volume, 1);
  const V = volume;
  const bes = new BesselEntries(beta / N);
  const c0 = characterCoeff(N, bes, new Array(N).fill(0));
  let sumW = 1; // λ = 0 relative to itself
  let sumP = c0.dlog;
  let irreps = 1;
  let quiet = 0;
  for (let top = 1; top < 10000; top++) {
    let maxLog = -Infinity;
    for (const lam of partitionsWithTop(N, top)) {
      checkBudget(budget, `SU(${N}) torus sum`);
      const c = characterCoeff(N, bes, lam);
      irreps++;
      if (c.sign === 0) continue;
      const lw = V * (c.log - Math.log(sunIrrepDimension(lam)) - c0.log);
      // c_λ ≥ 0 for the Wilson action, so a negative sign can only be rounding noise in a
      // negligible coefficient; the power keeps the sign honest either way.
      const w = (V % 2 === 1 ? c.sign : 1) * Math.exp(lw);
      sumW += w;
      sumP += w * c.dlog;
      if (lw > maxLog) maxLog = lw;
    }
    if (maxLog < -NEGLIGIBLE) {
      if (++quiet >= 2) break;
    } else quiet = 0;
  }
  return { plaquette: sumP / sumW, logZ: V * c0.log + Math.log(sumW), irreps };
}

/** 2D SU(N) on a periodic L×L lattice (finite volume). */
export function sunExact2D(N: number, beta: number, L: number, budget?: ExactBudget): { plaquette: number; logZ: number } {
  assertIntAtLeast('L', L, 2);
  const { plaquette, logZ } = sunExactTorus(N, beta, L * L, budget);
  return { plaquette, logZ };
}

/** ln(c_λ/d_λ) − ln c_0 etc. for all λ, cached by λ (one Bessel table for the whole sum). */
class TorusCoefficients {
  private cache = new Map<string, CharacterCoeff & { logHat: number; dim: number }>();
  private bes: BesselEntries;
  readonly c0: CharacterCoeff;
  constructor(readonly N: number, beta: number) {
    this.bes = new BesselEntries(beta / N);
    this.c0 = characterCoeff(N, this.bes, new Array(N).fill(0));
  }
  /** c_λ with logHat = ln|c_λ/d_λ| − ln c_0 (≤ 0) */
  get(lam: number[]): CharacterCoeff & { logHat: number; dim: number } {
    const key = lam.join(',');
    let r = this.cache.get(key);
    if (!r) {
      const c = characterCoeff(this.N, this.bes, lam);
      const dim = sunIrrepDimension(lam);
      r = { ...c, dim, logHat: c.log - Math.log(dim) - this.c0.log };
      this.cache.set(key, r);
    }
    return r;
  }
}

/** Irreps λ reached from μ by adding one box (μ ⊗ fundamental), normalised to λ_N = 0. */
function addBox(mu: readonly number[]): number[][] {
  const N = mu.length;
  const out: number[][] = [];
  for (let i = 0; i < N; i++) {
    if (i > 0 && mu[i - 1]! <= mu[i]!) continue;
    const lam = [...mu];
    lam[i]!++;
    if (i === N - 1) for (let k = 0; k < N; k++) lam[k]!--; // det = 1: drop a full column
    out.push(lam);
  }
  return out;
}

/**
 * 2D SU(N), periodic torus with V plaquettes: ⟨(1/N) Re tr W⟩ for a contractible Wilson loop
 * in the fundamental representation enclosing `area` plaquettes (1 ≤ area < V). area = 1 is
 * the plaquette.
 */
export function sunWilsonLoopTorus(N: number, beta: number, volume: number, area: number, budget?: ExactBudget): number {
  assertIntAtLeast('N', N, 2);
  assertBeta(beta);
  assertIntAtLeast('volume (number of plaquettes)', volume, 2);
  assertIntAtLeast('area', area, 1);
  if (area >= volume) throw new Error(`Wilson loop area must be below the volume ${volume}, got ${area}`);
  const V = volume;
  const A = area;
  const coeffs = new TorusCoefficients(N, beta);
  let sumZ = 0;
  let sumW = 0;
  let quiet = 0;
  for (let top = 0; top < 10000; top++) {
    let maxLog = -Infinity;
    for (const mu of top === 0 ? [new Array<number>(N).fill(0)] : partitionsWithTop(N, top)) {
      checkBudget(budget, `SU(${N}) Wilson loop torus sum`);
      const cm = coeffs.get(mu);
      if (cm.sign !== 0) {
        const lz = V * cm.logHat;
        sumZ += (V % 2 === 1 ? cm.sign : 1) * Math.exp(lz);
        maxLog = Math.max(maxLog, lz);
      }
      for (const lam of addBox(mu)) {
        const cl = coeffs.get(lam);
        if (cm.sign === 0 || cl.sign === 0) continue;
        const lw = A * cm.logHat + (V - A) * cl.logHat + Math.log(cm.dim / cl.dim);
        const sign = (A % 2 === 1 ? cm.sign : 1) * ((V - A) % 2 === 1 ? cl.sign : 1);
        sumW += sign * Math.exp(lw);
        maxLog = Math.max(maxLog, lw);
      }
    }
    if (maxLog < -NEGLIGIBLE) {
      if (++quiet >= 2) break;
    } else quiet = 0;
  }
  return sumW / (N * sumZ);
}

/** 2D SU(N) on a periodic L×L lattice: fundamental Wilson loop of R×T plaquettes. */
export function sunWilsonLoop2D(N: number, beta: number, L: number, R: number, T: number, budget?: ExactBudget): number {
  assertIntAtLeast('L', L, 2);
  assertIntAtLeast('R', R, 1);
  assertIntAtLeast('T', T, 1);
  if (R >= L || T >= L) throw new Error(`Wilson loop ${R}x${T} must fit inside the ${L}x${L} torus (R, T < L)`);
  return sunWilsonLoopTorus(N, beta, L * L, R * T, budget);
}

/** 2D SU(N), infinite volume: ⟨(1/N) Re tr W⟩ = ⟨(1/N) Re tr P⟩^area (exact area law). */
export function sunWilsonLoopInfinite(N: number, beta: number, area: number): number {
  assertIntAtLeast('area', area, 1);
  return sunPlaquetteInfinite(N, beta) ** area;
}
