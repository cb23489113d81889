/**
 * Masks of the U(1) gauge-equivariant coupling layers (docs/design.md, "Gauge-equivariant coupling
 * layers").
 *
 * Layer pattern (μ, ν, off): the active links are U_μ(x) with x_ν ≡ off (mod 4). Each lies in
 *  - exactly one active plaquette, O_μν(x) (it contains no other active link: its other links are
 *    U_ν(x), U_ν(x+μ̂) and U_μ(x+ν̂) with x_ν + 1 ≢ off),
 *  - the passive plaquette O_μν(x−ν̂) (x_ν − 1 ≡ off − 1), which changes by −δ when the active one
 *    changes by δ,
 *  - in d > 2 the plaquettes O_μρ(x), O_μρ(x−ρ̂) of the other planes through the link, which also change.
 * Frozen plaquettes (the conditioner's only input) are those containing no active link:
 *  - planes without μ: all of them;
 *  - plane {μ, ν}: x_ν ≡ off + 1, off + 2 (mod 4);
 *  - planes {μ, ρ}, ρ ≠ ν: x_ν ≢ off.
 * The passive plaquette and the active one share exactly the active link with opposite signs, so the
 * 1×2 rectangle c = O_μν(x) + O_μν(x−ν̂) contains no active link: it is frozen context too, and the
 * local action of the active plaquette's new angle y is −β[cos y + cos(c − y)] (+ the other planes
 * in d > 2, whose loops contain other active links and are not used).
 * Period 4 needs every extent L_ν to be a multiple of 4. Cycling μ over the d directions, off over
 * 0..3 and ν over the directions ≠ μ updates every link.
 */
import { tf } from '../../backend/index.ts';
import type { Lattice } from '../../../lattices/geometry.ts';
import { planes, spatialAxis } from './layout.ts';

export const STRIPE_PERIOD = 4;

export interface CouplingPattern {
  /** direction of the active links */
  mu: number;
  /** direction across the stripes (the active plaquette's plane is {μ, ν}) */
  nu: number;
  /** stripe offset: active links at x_ν ≡ off (mod 4) */
  off: number;
}

/**
 * Order of the stripe offsets within a pass. 'descending' (3, 2, 1, 0) makes the passive plaquettes of
 * each layer (x_ν ≡ off − 1) the active ones of the next layer of that direction, so a plaquette is
 * mostly set last as an active loop rather than moved afterwards as a passive one; 'ascending'
 * (0, 1, 2, 3) moves the plaquettes just set. Measured on 2D SU(2) 8×8 β = 4, 16 layers, 4 minutes:
 * KL 3.6 descending vs 6.9 ascending (docs/design.md, "Masks").
 */
export type StripeOrder = 'ascending' | 'descending';
export const stripeOrders: readonly StripeOrder[] = ['ascending', 'descending'];
/** The order of new flows (defaultU1Config, `gaugeflow train`); a file without one is 'ascending'. */
export const DEFAULT_STRIPE_ORDER: StripeOrder = 'descending';

/** The pattern of layer `index` of a stack: μ cycles fastest, then the offset (in `order`), then ν. */
export function layerPattern(dims: number, index: number, order: StripeOrder = 'ascending'): CouplingPattern {
  if (!Number.isInteger(index) || index < 0) throw new Error(`layer index must be a non-negative integer, got ${index}`);
  if (!stripeOrders.includes(order)) throw new Error(`stripe order must be one of ${stripeOrders.join(', ')}, got ${String(order)}`);
  const mu = index % dims;
  const step = Math.floor(index / dims) % STRIPE_PERIOD;
  const off = order === 'descending' ? STRIPE_PERIOD - 1 - step : step;
  const k = Math.floor(index / (dims * STRIPE_PERIOD)) % (dims - 1);
  const nu = (mu + 1 + k) % dims;
  return { mu, nu, off };
}

export function checkStripeLattice(lattice: Lattice): void {
  for (const L of lattice.extents) {
    if (L % STRIPE_PERIOD !== 0) {
      throw new Error(`gauge coupling layers need every lattice extent to be a multiple of ${STRIPE_PERIOD} (stripe masks), got ${lattice.extents.join('x')}`);
    }
  }
}

/** x_ν of every site, in tensor order (axis d − ν of the link layout), as a flat array over sites. */
function coordinate(lattice: Lattice, nu: number): Int32Array {
  const out = new Int32Array(lattice.volume);
  let stride = 1;
  for (let a = 0; a < nu; a++) stride *= lattice.extents[a]!;
  const L = lattice.extents[nu]!;
  for (let s = 0; s < lattice.volume; s++) out[s] = Math.floor(s / stride) % L;
  return out;
}

/**
 * 1 where plaquette channel p (plane p of `planes(d)`) at site x is frozen: [1, spatial…, nPlanes].
 * The site order of a flat array over sites equals the tensor order (see layout.ts).
 */
export function frozenPlaquetteMask(lattice: Lattice, pat: CouplingPattern): tf.Tensor {
  const d = lattice.dims;
  const ps = planes(d);
  const xnu = coordinate(lattice, pat.nu);
  const m = new Float32Array(lattice.volume * ps.length);
  for (let s = 0; s < lattice.volume; s++) {
    const r = (((xnu[s]! - pat.off) % STRIPE_PERIOD) + STRIPE_PERIOD) % STRIPE_PERIOD;
    ps.forEach(([a, b], p) => {
      let frozen: boolean;
      if (a !== pat.mu && b !== pat.mu) frozen = true;
      else if (a === pat.nu || b === pat.nu) frozen = r === 1 || r === 2;
      else frozen = r !== 0;
      m[s * ps.length + p] = frozen ? 1 : 0;
    });
  }
  return tf.tensor(m, [1, ...[...lattice.extents].reverse(), ps.length]);
}

/**
 * The view [pre, L_ν/4, 4, post] of t around the axis of x_ν (rank 4 whatever d: the wasm backend's
 * pad and slice kernels refuse ranks above 6, which a 4D batch of links already has).
 */
function stripeView(shape: number[], axis: number): [number, number, number, number] {
  const pre = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const post = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [pre, shape[axis]! / STRIPE_PERIOD, STRIPE_PERIOD, post];
}

/** The sites x_ν ≡ off (mod 4) of t along the axis of x_ν: [..., L_ν, ...] → [..., L_ν/4, ...]. */
export function takeStripe(t: tf.Tensor, dims: number, pat: CouplingPattern): tf.Tensor {
  return tf.tidy(() => {
    const axis = spatialAxis(dims, pat.nu);
    const view = stripeView(t.shape, axis);
    const out = t.shape.slice();
    out[axis] = view[1];
    return tf.reshape(tf.slice(tf.reshape(t, view), [0, 0, pat.off, 0], [view[0], view[1], 1, view[3]]), out);
  });
}

/**
 * The stripe of pattern `pat` on an L1×L0 lattice as site indices y1·L0 + y0 in takeStripe order
 * (x1 slowest, x_ν ≡ off (mod 4)): the 2D hand-written kernels address the stripe by these.
 */
export function stripeSites2D(pat: CouplingPattern, L1: number, L0: number): Int32Array {
  const n1 = pat.nu === 1 ? L1 / STRIPE_PERIOD : L1;
  const n0 = pat.nu === 0 ? L0 / STRIPE_PERIOD : L0;
  const out = new Int32Array(n1 * n0);
  let i = 0;
  for (let a = 0; a < n1; a++) {
    const y1 = pat.nu === 1 ? a * STRIPE_PERIOD + pat.off : a;
    for (let c = 0; c < n0; c++) out[i++] = y1 * L0 + (pat.nu === 0 ? c * STRIPE_PERIOD + pat.off : c);
  }
  return out;
}

/** Inverse of takeStripe: place values at x_ν ≡ off (mod 4), zeros elsewhere. */
export function putStripe(s: tf.Tensor, dims: number, pat: CouplingPattern): tf.Tensor {
  return tf.tidy(() => {
    const axis = spatialAxis(dims, pat.nu);
    const full = s.shape.slice();
    full[axis] = s.shape[axis]! * STRIPE_PERIOD;
    const [pre, n, , post] = stripeView(full, axis);
    const v = tf.reshape(s, [pre, n, 1, post]);
    return tf.reshape(tf.pad(v, [[0, 0], [0, 0], [pat.off, STRIPE_PERIOD - 1 - pat.off], [0, 0]]), full);
  });
}
