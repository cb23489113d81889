/**
 * Modified Bessel functions of the first kind I_ν(x), for real order ν and real x ≥ 0
 * (any real x when ν is an integer).
 *
 * The exact lattice results raise I_n to the power of the volume (V = L² up to thousands),
 * so everything is built on the logarithm `logBesselI`: the power series
 * I_ν(x) = Σ_k (x/2)^{2k+ν} / (k! Γ(k+ν+1)) is summed relative to its first term with
 * periodic rescaling, which never overflows and, for ν > −1, has only positive terms (no
 * cancellation, relative error ~ (number of terms)·ε). For x far beyond ν² the Hankel
 * asymptotic expansion is used instead, which needs only a handful of terms.
 */
import { assertFinite } from './validate.ts';

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln|Γ(z)| for real z (not a non-positive integer). Lanczos (g=7), reflection below 1/2. */
export function lnGamma(z: number): number {
  if (z < 0.5) {
    if (Number.isInteger(z)) return Infinity;
    // Γ(z)Γ(1−z) = π / sin(πz)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lnGamma(1 - z);
  }
  // Integer arguments: exact log-factorial sums are cheaper to trust than any approximation.
  if (Number.isInteger(z) && z <= 171) {
    let s = 0;
    for (let k = 2; k < z; k++) s += Math.log(k);
    return s;
  }
  const x = z - 1;
  let a = LANCZOS[0]!;
  const t = x + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** sign of Γ(z) for real z that is not a pole. */
function gammaSign(z: number): number {
  if (z > 0) return 1;
  return Math.floor(z) % 2 === 0 ? 1 : -1;
}

const RESCALE = 1e280;
const LN_RESCALE = Math.log(RESCALE);

/**
 * Power series for ln|I_ν(x)| and sign, x > 0. ν may be negative and non-integer (then the
 * first few terms can have either sign; accuracy degrades only near zeros of I_ν).
 */
function seriesLog(nu: number, x: number): { log: number; sign: number } {
  const h = 0.5 * x;
  const q = h * h;
  // First non-vanishing term: 1/Γ(k+ν+1) = 0 at poles (negative integer ν handled by caller).
  const logT0 = nu * Math.log(h) - lnGamma(nu + 1);
  let t = gammaSign(nu + 1); // term_k / |term_0|, with sign
  let sum = t;
  let offset = 0;
  for (let k = 0; k < 1e7; k++) {
    t *= q / ((k + 1) * (k + nu + 1));
    sum += t;
    if (Math.abs(sum) > RESCALE) {
      sum /= RESCALE;
      t /= RESCALE;
      offset += LN_RESCALE;
    }
    // Past the peak (ratio < 1) and the tail bound t·r/(1−r) is below ε·|sum|.
    const r = q / ((k + 2) * (k + nu + 2));
    if (r < 0.5 && Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
  }
  return { log: logT0 + offset + Math.log(Math.abs(sum)), sign: Math.sign(sum) };
}

/** Hankel expansion: ln(e^{−x} I_ν(x)) for x ≫ max(1, ν²). Returns NaN if it did not converge. */
function asymptoticLog(nu: number, x: number): number {
  const mu = 4 * nu * nu;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    const next = (-term * (mu - (2 * k - 1) * (2 * k - 1))) / (k * 8 * x);
    if (Math.abs(next) > Math.abs(term)) return NaN; // series began to diverge before converging
    term = next;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) {
      return -0.5 * Math.log(2 * Math.PI * x) + Math.log(sum);
    }
  }
  return NaN;
}

/**
 * ln|e^{−|x|} I_ν(x)| and the sign of I_ν(x). Working with the scaled function keeps the
 * large-x branch free of the rounding of x itself (ulp(10⁵) would cost 1e-11 relative).
 */
function logScaledSigned(nu: number, x: number): { log: number; sign: number } {
  assertFinite('Bessel order ν', nu);
  assertFinite('Bessel argument x', x);
  const integer = Number.isInteger(nu);
  if (x < 0) {
    if (!integer) throw new Error(`besselI: x = ${x} < 0 needs an integer order (got ν = ${nu})`);
    const r = logScaledSigned(nu, -x);
    return { log: r.log, sign: Math.abs(nu) % 2 === 1 ? -r.sign : r.sign };
  }
  // Integer orders are symmetric, I_{−n} = I_n.
  if (integer && nu < 0) nu = -nu;
  if (x === 0) {
    if (nu === 0) return { log: 0, sign: 1 };
    if (nu > 0) return { log: -Infinity, sign: 1 };
    // I_ν(x) ~ (x/2)^ν/Γ(ν+1) blows up at 0 for negative non-integer ν.
    return { log: Infinity, sign: gammaSign(nu + 1) };
  }
  if (nu >= 0 && x > 1000 && x > 4 * nu * nu) {
    const a = asymptoticLog(nu, x);
    if (Number.isFinite(a)) return { log: a, sign: 1 };
  }
  const r = seriesLog(nu, x);
  return { log: r.log - x, sign: r.sign };
}

/**
 * ln|I_ν(x)| together with the sign of I_ν(x). I_ν(0) = 0 (ν ≠ 0) gives log = −∞.
 * Domain: x ≥ 0 for any real ν; x < 0 only for integer ν (I_n(−x) = (−1)^n I_n(x)).
 */
export function logBesselISigned(nu: number, x: number): { log: number; sign: number } {
  const r = logScaledSigned(nu, x);
  return { log: r.log + Math.abs(x), sign: r.sign };
}

/** ln I_ν(x); throws where I_ν(x) < 0 (possible only for negative non-integer ν or x < 0). */
export function logBesselI(nu: number, x: number): number {
  const r = logBesselISigned(nu, x);
  if (r.sign < 0) throw new Error(`logBesselI: I_${nu}(${x}) is negative, its logarithm is not real`);
  return r.log;
}

/** I_ν(x). Overflows to Infinity past x ≈ 700; use `besselIScaled` or `logBesselI` there. */
export function besselI(nu: number, x: number): number {
  const r = logBesselISigned(nu, x);
  return r.sign * Math.exp(r.log);
}

/** e^{−|x|} I_ν(x): bounded by 1 for ν ≥ 0, safe for any x. */
export function besselIScaled(nu: number, x: number): number {
  const r = logScaledSigned(nu, x);
  return r.sign * Math.exp(r.log);
}

/** ln(e^{−|x|} I_ν(x)), for I_ν(x) > 0. */
export function logBesselIScaled(nu: number, x: number): number {
  const r = logScaledSigned(nu, x);
  if (r.sign < 0) throw new Error(`logBesselIScaled: I_${nu}(${x}) is negative, its logarithm is not real`);
  return r.log;
}

/** I_0(x) */
export const besselI0 = (x: number): number => besselI(0, x);
/** I_1(x) */
export const besselI1 = (x: number): number => besselI(1, x);

/**
 * Ratio I_{ν+1}(x)/I_ν(x), computed from logarithms so it stays finite for any x (→ 1 as
 * x → ∞). For U(1) this is the one-plaquette expectation ⟨cos θ⟩ = I₁(β)/I₀(β).
 */
export function besselIRatio(nu: number, x: number): number {
  const a = logScaledSigned(nu + 1, x);
  const b = logScaledSigned(nu, x);
  return a.sign * b.sign * Math.exp(a.log - b.log);
}
