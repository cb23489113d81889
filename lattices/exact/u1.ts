/**
 * 2D U(1) Wilson gauge theory, exact.
 *
 * On a periodic lattice with V plaquettes (Haar-normalised links)
 *   Z(ϑ) = Σ_{n∈ℤ} g(n + ϑ/2π)^V,   g(ν) = (1/2π)∫_{−π}^{π} e^{β cos φ} cos(νφ) dφ,
 * where ϑ couples to the topological charge Q = (1/2π) Σ_x arg P(x); g(n) = I_n(β).
 * Then ⟨cos θ_P⟩ = (1/V) ∂_β ln Z and ⟨Q²⟩ = −∂²_ϑ ln Z at ϑ = 0. The ϑ-derivatives are
 * taken analytically under the sum: since g is even in ν the first derivative of Z
 * vanishes at ϑ = 0, and
 *   ⟨Q²⟩ = −(1/4π²) Σ_n [V(V−1) g_n^{V−2} g′_n² + V g_n^{V−1} g″_n] / Σ_n g_n^V
 * with g′, g″ the ν-derivatives at integer n (smooth integrals, done by Gauss–Legendre).
 * Every power of g is taken in logarithms relative to the n = 0 term, so V = 64² and far
 * beyond neither overflow nor underflow.
 */
import { besselIRatio, besselIScaled, logBesselIScaled } from './bessel.ts';
import { integrateVector } from './quadrature.ts';
import { assertBeta, assertFinite, assertIntAtLeast } from './validate.ts';

export interface U1Derivs {
  /** e^{−β} g(ν) */
  g: number;
  /** e^{−β} ∂_ν g(ν) */
  dg: number;
  /** e^{−β} ∂²_ν g(ν) */
  d2g: number;
}

/**
 * The one-plaquette ϑ-vacuum weight g(ν) of the 2D U(1) theory and its first two
 * ν-derivatives, all multiplied by e^{−β} (so they stay finite for any β). At integer ν,
 * g = I_ν(β); at non-integer ν, g differs from I_ν (no K_ν term).
 */
export function u1GScaled(nu: number, beta: number): U1Derivs {
  assertFinite('nu', nu);
  assertBeta(beta);
  // g(ν) = (1/π)∫_0^π e^{β cos φ} cos(νφ) dφ, and its ν-derivatives bring down −φ sin, −φ² cos.
  const scale0 = Math.exp(logBesselIScaled(0, beta));
  const r = integrateVector(
    (phi, out) => {
      const e = Math.exp(beta * (Math.cos(phi) - 1)) / Math.PI;
      const c = Math.cos(nu * phi);
      const s = Math.sin(nu * phi);
      out[0] = e * c;
      out[1] = -e * phi * s;
      out[2] = -e * phi * phi * c;
    },
    3,
    0,
    Math.PI,
    [scale0, Math.PI * scale0, Math.PI * Math.PI * scale0],
  );
  return { g: r[0]!, dg: r[1]!, d2g: r[2]! };
}

export interface U1Exact {
  /** ⟨cos θ_P⟩ */
  plaquette: number;
  /** ⟨Q²⟩ */
  Q2: number;
  /** topological susceptibility ⟨Q²⟩/V */
  chi: number;
  /** ln Z at ϑ = 0 for Haar-normalised link measure: ln Σ_n I_n(β)^V */
  logZ: number;
  /** number of plaquettes V */
  volume: number;
}

/**
 * Exact 2D U(1) results on a periodic lattice with `volume` plaquettes (any Lx×Ly torus with
 * Lx·Ly = volume gives the same answer).
 */
export function u1ExactTorus(beta: number, volume: number): U1Exact {
  assertBeta(beta);
  assertIntAtLeast('volume (number of plaquettes)', volume, 1);
  const V = volume;
  // lg[n] = ln(e^{−β} I_n(β)); decreasing in |n| for β ≥ 0, so n = 0 sets the scale.
  const lgCache: number[] = [];
  const lg = (n: number): number => {
    n = Math.abs(n);
    return (lgCache[n] ??= logBesselIScaled(n, beta));
  };
  const lg0 = lg(0);
  let sumW = 0; // Σ g_n^V / g_0^V
  let sumC = 0; // Σ g_n^{V−1} I′_n / g_0^V
  let sumQ = 0; // Σ [V(V−1) g_n^{V−2} g′_n² + V g_n^{V−1} g″_n] / g_0^V
  const logNegligible = -45;
  let quiet = 0;
  for (let n = 0; n < 100000; n++) {
    const mult = n === 0 ? 1 : 2; // g even in ν: terms ±n are equal
    const dn = lg(n) - lg0; // ≤ 0
    const w = Math.exp(V * dn);
    const c = 0.5 * (Math.exp((V - 1) * dn + lg(n - 1) - lg0) + Math.exp((V - 1) * dn + lg(n + 1) - lg0));
    sumW += mult * w;
    sumC += mult * c;
    // |g′|, |g″| ≤ π^k g_0, so this bounds the Q² terms without doing the integrals.
    const boundQ = Math.max((V - 2) * dn, (V - 1) * dn) + 2 * Math.log(Math.PI * V);
    if (boundQ > logNegligible) {
      const d = u1GScaled(n, beta);
      const a = n === 0 ? 0 : Math.exp((V - 2) * dn - 2 * lg0 + 2 * Math.log(Math.abs(d.dg)));
      const b = Math.sign(d.d2g) * Math.exp((V - 1) * dn - lg0 + Math.log(Math.abs(d.d2g)));
      sumQ += mult * (V * (V - 1) * a + V * b);
    }
    const negligible = V * dn < logNegligible && boundQ < logNegligible;
    if (negligible && ++quiet >= 2) break;
  }
  // The n = 0 and n = ±1 terms cancel when topology is frozen (large β, small V), so ⟨Q²⟩
  // carries an absolute rounding error of ~1e-16·V⟨φ²⟩; values below that are noise and a
  // negative result is clamped to 0.
  const Q2 = Math.max(0, -sumQ / (4 * Math.PI * Math.PI * sumW));
  return {
    plaquette: sumC / sumW,
    Q2,
    chi: Q2 / V,
    logZ: V * (lg0 + beta) + Math.log(sumW),
    volume: V,
  };
}

/** Exact 2D U(1) on a periodic L×L lattice: ⟨cos θ_P⟩, ⟨Q²⟩ and χ_t = ⟨Q²⟩/L². */
export function u1Exact2D(beta: number, L: number): { plaquette: number; Q2: number; chi: number; logZ: number } {
  assertBeta(beta);
  assertIntAtLeast('L', L, 2);
  const { plaquette, Q2, chi, logZ } = u1ExactTorus(beta, L * L);
  return { plaquette, Q2, chi, logZ };
}

/**
 * Infinite-volume 2D U(1): plaquettes decouple, ⟨cos θ_P⟩ = I₁(β)/I₀(β),
 * χ_t = ⟨φ²⟩/4π² with φ distributed as e^{β cos φ} on (−π, π], and ln Z/V = ln I₀(β).
 */
export function u1Infinite2D(beta: number): { plaquette: number; chi: number; logZ: number } {
  assertBeta(beta);
  const d = u1GScaled(0, beta);
  return {
    plaquette: besselIRatio(0, beta),
    /** free energy per plaquette, ln I₀(β) */
    logZ: logBesselIScaled(0, beta) + beta,
    chi: -d.d2g / d.g / (4 * Math.PI * Math.PI),
  };
}

/**
 * 2D U(1) on a periodic torus with V plaquettes: ⟨cos θ_W⟩ of a contractible Wilson loop
 * enclosing `area` plaquettes. Every plaquette carries the same character n, shifted by one
 * inside the loop: ⟨cos θ_W⟩ = Σ_n I_n^{V−A} I_{n+1}^A / Σ_n I_n^V (symmetric in A ↔ V−A;
 * A = 1 is the plaquette; V → ∞ gives (I₁/I₀)^A).
 */
export function u1WilsonLoopTorus(beta: number, volume: number, area: number): number {
  assertBeta(beta);
  assertIntAtLeast('volume (number of plaquettes)', volume, 2);
  assertIntAtLeast('area', area, 1);
  if (area >= volume) throw new Error(`Wilson loop area must be below the volume ${volume}, got ${area}`);
  const V = volume;
  const A = area;
  const lgCache: number[] = [];
  const lg = (n: number): number => {
    n = Math.abs(n);
    return (lgCache[n] ??= logBesselIScaled(n, beta));
  };
  const lg0 = lg(0);
  let num = 0;
  let den = 0;
  let quiet = 0;
  for (let n = 0; n < 100000; n++) {
    const ms = n === 0 ? [0] : [n, -n];
    let big = -Infinity;
    for (const m of ms) {
      const lz = V * (lg(m) - lg0);
      const lw = (V - A) * (lg(m) - lg0) + A * (lg(m + 1) - lg0);
      den += Math.exp(lz);
      num += Math.exp(lw);
      big = Math.max(big, lz, lw);
    }
    if (big < -45 && ++quiet >= 2) break;
  }
  return num / den;
}

/** 2D U(1) on a periodic L×L lattice: ⟨cos θ_W⟩ for an R×T Wilson loop (R, T < L). */
export function u1WilsonLoop2D(beta: number, L: number, R: number, T: number): number {
  assertIntAtLeast('L', L, 2);
  assertIntAtLeast('R', R, 1);
  assertIntAtLeast('T', T, 1);
  if (R >= L || T >= L) throw new Error(`Wilson loop ${R}x${T} must fit inside the ${L}x${L} torus (R, T < L)`);
  return u1WilsonLoopTorus(beta, L * L, R * T);
}

/**
 * e^{−β} g(ν) from the non-oscillatory representation
 *   g(ν) = I_ν(β) + (sin νπ/π) ∫_0^∞ e^{−β cosh t − νt} dt   (ν ≥ 0; g is even),
 * which stays accurate relative to g itself at large |ν|, where the direct Fourier integral
 * only has absolute accuracy.
 */
export function u1GScaledTail(nu: number, beta: number): number {
  assertFinite('nu', nu);
  assertBeta(beta);
  nu = Math.abs(nu);
  const bessel = besselIScaled(nu, beta);
  const s = Math.sin(Math.PI * nu);
  if (Number.isInteger(nu) || s === 0) return bessel;
  if (nu === 0 && beta === 0) return 1;
  // e^{−β} e^{−β cosh t} = e^{−2β} e^{−β(cosh t − 1)}; the integrand is positive and decreasing.
  const expo = (t: number): number => (beta > 0 ? beta * (Math.cosh(t) - 1) : 0) + nu * t;
  let T = 1;
  while (expo(T) < 45) T *= 2;
  const bound = Math.min(nu > 0 ? 1 / nu : Infinity, beta > 0 ? Math.sqrt(Math.PI / (2 * beta)) : Infinity);
  const k = integrateVector((t, out) => void (out[0] = Math.exp(-expo(t))), 1, 0, T, [bound], 1e-13)[0]!;
  return bessel + (s / Math.PI) * Math.exp(-2 * beta) * k;
}

/**
 * e^{−β} g(ν) for |ν| ≫ β by repeated integration by parts at φ = π (F = e^{β cos φ} has
 * vanishing odd derivatives at 0 and π):
 *   g(ν) = (sin νπ/πν) [F(π) − F″(π)/ν² + F⁗(π)/ν⁴ − F⁽⁶⁾(π)/ν⁶ + …]
 *        = e^{−β} (sin νπ/πν) [1 − β/ν² + (3β² − β)/ν⁴ − (15β³ − 15β² + β)/ν⁶ + …],
 * with I_ν(β) itself negligible there. Used for |ν| ≥ max(60, 60√β), where the next term
 * (105β⁴/ν⁸) is below 1e-12 relative.
 */
function u1GScaledAsymptotic(nu: number, beta: number): number {
  const x = 1 / (nu * nu);
  const series = 1 - beta * x + (3 * beta * beta - beta) * x * x - (15 * beta ** 3 - 15 * beta * beta + beta) * x ** 3;
  return ((Math.exp(-2 * beta) * Math.sin(Math.PI * nu)) / (Math.PI * nu)) * series;
}

export interface U1ChargeDistribution {
  /** charges −Qmax..Qmax */
  Q: number[];
  /** P(Q), absolute accuracy ~1e-15 (tiny negative rounding clamped to 0) */
  P: number[];
  /** Σ Q² P(Q) */
  Q2: number;
  /** Σ Q⁴ P(Q) */
  Q4: number;
}

/**
 * Exact distribution of the topological charge of 2D U(1) on a periodic torus with V
 * plaquettes: P(Q) = Z_Q/Z with Z(ϑ) = Σ_Q Z_Q e^{iϑQ} = Σ_n g(n + ϑ/2π)^V. Z(ϑ) is smooth
 * and 2π-periodic, so its Fourier coefficients are computed exactly (up to aliasing of
 * charges beyond ±M/2, which the grid is refined to exclude) by an M-point DFT in ϑ.
 */
export function u1ChargeDistributionTorus(beta: number, volume: number): U1ChargeDistribution {
  assertBeta(beta);
  assertIntAtLeast('volume (number of plaquettes)', volume, 1);
  const V = volume;
  const g0 = besselIScaled(0, beta);
  const nuAsym = Math.max(60, 60 * Math.sqrt(beta));
  const ratio = (nu: number): number =>
    (Math.abs(nu) >= nuAsym ? u1GScaledAsymptotic(nu, beta) : u1GScaledTail(nu, beta)) / g0;
  // Z(ϑ)/g_0^V at ϑ = 2πs: Σ_n (g(n+s)/g_0)^V, summed outward until the terms are negligible.
  const zOfS = (s: number): number => {
    let z = 0;
    for (const [start, step] of [[0, 1], [-1, -1]] as const) {
      let quiet = 0;
      for (let n = start; Math.abs(n) < 1e8; n += step) {
        const t = ratio(n + s) ** V;
        z += t;
        if (Math.abs(t) < 1e-19) {
          if (++quiet >= 3) break;
        } else quiet = 0;
      }
    }
    return z;
  };
  for (let M = 16; ; M *= 2) {
    const half = M / 2;
    const z = new Float64Array(half + 1);
    // Z is even in ϑ: Z(2π − ϑ) = Z(ϑ)
    for (let m = 0; m <= half; m++) z[m] = zOfS(m / M);
    const Zq = (q: number): number => {
      let acc = z[0]! + (half > 0 ? z[half]! * Math.cos(Math.PI * q) : 0);
      for (let m = 1; m < half; m++) acc += 2 * z[m]! * Math.cos((2 * Math.PI * m * q) / M);
      return acc / M;
    };
    const Ztot = z[0]!;
    const P: number[] = [];
    for (let q = 0; q <= half; q++) P.push(Zq(q) / Ztot);
    // Converged when charges in [M/4, M/2] carry < 1e-12: P decays like a Gaussian in Q, so
    // what aliases back onto |Q| ≤ M/4 (from |Q| ≥ 3M/4) is then far below rounding.
    const tail = P.slice(Math.floor(half / 2)).reduce((a, p) => Math.max(a, Math.abs(p)), 0);
    if (!Number.isFinite(tail)) throw new Error(`charge distribution: non-finite Z(ϑ) for β = ${beta}, V = ${V}`);
    if (tail < 1e-12 || M >= 1 << 14) {
      if (tail >= 1e-12) throw new Error(`charge distribution did not converge for β = ${beta}, V = ${V}`);
      const qmax = Math.floor(half / 2);
      const Q: number[] = [];
      const Pq: number[] = [];
      let Q2 = 0;
      let Q4 = 0;
      for (let q = -qmax; q <= qmax; q++) {
        const p = Math.max(0, P[Math.abs(q)]!);
        Q.push(q);
        Pq.push(p);
        Q2 += q * q * p;
        Q4 += q ** 4 * p;
      }
      return { Q, P: Pq, Q2, Q4 };
    }
  }
}

/** Exact topological-charge distribution of 2D U(1) on a periodic L×L lattice. */
export function u1ChargeDistribution2D(beta: number, L: number): U1ChargeDistribution {
  assertIntAtLeast('L', L, 2);
  return u1ChargeDistributionTorus(beta, L * L);
}
