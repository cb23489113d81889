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
import { besselIRatio, logBesselIScaled } from './bessel.ts';
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
 * Infinite-volume 2D U(1): plaquettes decouple, ⟨cos θ_P⟩ = I₁(β)/I₀(β) and
 * χ_t = ⟨φ²⟩/4π² with φ distributed as e^{β cos φ} on (−π, π].
 */
export function u1Infinite2D(beta: number): { plaquette: number; chi: number } {
  assertBeta(beta);
  const d = u1GScaled(0, beta);
  return {
    plaquette: besselIRatio(0, beta),
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
