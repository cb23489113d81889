/**
 * U(1) link fields as TensorFlow.js tensors, and the lattice shifts and plaquettes the gauge layers
 * are built from.
 *
 * Layout: a batch of B fields on a lattice of extents (L_0, …, L_{d−1}) is the tensor
 * [B, L_{d−1}, …, L_1, L_0, d] of link angles. Because lattices/ numbers sites lexicographically
 * with direction 0 fastest and stores link l = site·d + μ, this tensor is a plain reshape of the
 * concatenated `U1Field.theta` arrays (no copy, no transpose); coordinate x_ν lives on axis d − ν.
 */
import { tf } from '../../backend/index.ts';
import type { Lattice } from '../../../lattices/geometry.ts';

/** The tensor axis that carries coordinate x_ν (axis 0 is the batch). */
export function spatialAxis(dims: number, nu: number): number {
  return dims - nu;
}

/** Shape [B, L_{d−1}, …, L_0, d] of a batch of U(1) fields. */
export function linkShape(lattice: Lattice, batch: number): number[] {
  return [batch, ...[...lattice.extents].reverse(), lattice.dims];
}

/** Batch of U(1) fields (concatenated theta arrays, float64) → float32 link tensor. */
export function linksToTensor(lattice: Lattice, theta: Float64Array | Float32Array, batch: number): tf.Tensor {
  const per = lattice.volume * lattice.dims;
  if (theta.length !== per * batch) throw new Error(`links: expected ${batch} fields of ${per} angles, got ${theta.length} values`);
  return tf.tensor(theta instanceof Float32Array ? theta : Float32Array.from(theta), linkShape(lattice, batch), 'float32');
}

/**
 * t shifted so that out(x) = t(x + k·ν̂) along the axis of coordinate x_ν (periodic): the value a
 * site sees at its k-th neighbour in direction ν. Two slices and a concat.
 */
export function shiftSites(t: tf.Tensor, dims: number, nu: number, k: number): tf.Tensor {
  return rollAxis(t, spatialAxis(dims, nu), k);
}

/**
 * out[…, i, …] = t[…, (i + k) mod L, …] along `axis`. Done on the rank-3 view [before, L, after]:
 * the wasm slice kernel is fast on low ranks and slow on the rank-6 tensors of 4D link batches.
 */
export function rollAxis(t: tf.Tensor, axis: number, k: number): tf.Tensor {
  const L = t.shape[axis]!;
  const s = ((k % L) + L) % L;
  if (s === 0) return t;
  return tf.tidy(() => {
    const pre = t.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const post = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const v = tf.reshape(t, [pre, L, post]);
    const head = tf.slice(v, [0, s, 0], [pre, L - s, post]);
    const tail = tf.slice(v, [0, 0, 0], [pre, s, post]);
    return tf.reshape(tf.concat([head, tail], 1), t.shape);
  });
}

/** The angles θ_μ(x) of one direction: [B, spatial…]. */
export function linkComponent(links: tf.Tensor, mu: number): tf.Tensor {
  const r = links.rank;
  const begin = new Array<number>(r).fill(0);
  begin[r - 1] = mu;
  const size = links.shape.slice();
  size[r - 1] = 1;
  return tf.squeeze(tf.slice(links, begin, size), [r - 1]);
}

/**
 * Oriented plaquette angle O_μρ(x) = θ_μ(x) + θ_ρ(x+μ̂) − θ_μ(x+ρ̂) − θ_ρ(x), [B, spatial…], not
 * wrapped. O_ρμ = −O_μρ; the stored plaquette of plane (μ < ρ) is O_μρ.
 */
export function orientedPlaquette(links: tf.Tensor, dims: number, mu: number, rho: number): tf.Tensor {
  return tf.tidy(() => {
    const tm = linkComponent(links, mu);
    const tr = linkComponent(links, rho);
    return tf.sub(tf.add(tm, shiftSites(tr, dims, mu, 1)), tf.add(shiftSites(tm, dims, rho, 1), tr));
  });
}

/** The planes (μ < ν) in the order plaquette channels use. */
export function planes(dims: number): [number, number][] {
  const out: [number, number][] = [];
  for (let mu = 0; mu < dims; mu++) for (let nu = mu + 1; nu < dims; nu++) out.push([mu, nu]);
  return out;
}

/** Every plaquette angle, channel p = plane p of `planes(d)`: [B, spatial…, d(d−1)/2]. */
export function allPlaquettes(links: tf.Tensor, dims: number): tf.Tensor {
  return tf.tidy(() => tf.stack(planes(dims).map(([mu, nu]) => orientedPlaquette(links, dims, mu, nu)), links.rank - 1));
}

/** Wilson log-density −S = β Σ_P cos θ_P per field, float32, differentiable (training only). */
export function u1WilsonLogDensity(links: tf.Tensor, dims: number, beta: number): tf.Tensor1D {
  return tf.tidy(() => {
    const p = allPlaquettes(links, dims);
    const axes = Array.from({ length: p.rank - 1 }, (_, i) => i + 1);
    return tf.mul(beta, tf.sum(tf.cos(p), axes)) as tf.Tensor1D;
  });
}
