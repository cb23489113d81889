/**
 * SU(N) link fields as TensorFlow.js tensors, and the lattice shifts and loops the SU(N) gauge layers
 * are built from (the SU(N) counterpart of src/flows/gauge/layout.ts, whose site order and shifts it
 * reuses).
 *
 * Layout: a batch of B fields on extents (L_0, …, L_{d−1}) is a pair (re, im) of tensors
 * [B, L_{d−1}, …, L_0, d, N, N]. lattices/ numbers sites lexicographically with x_0 fastest and stores
 * link l = site·d + μ as 2N² interleaved doubles, so each part is a de-interleave plus reshape of the
 * concatenated `SUNField.links` arrays; coordinate x_ν lives on axis d − ν.
 */
import { tf } from '../../backend/index.ts';
import type { Lattice } from '../../../lattices/geometry.ts';
import { rollAxis, spatialAxis } from '../gauge/layout.ts';
import { cadjoint, cmul, ctrace, type CMat } from './complex.ts';

/** A tensor pair of any rank ≥ 3 whose last two axes are N×N. */
export type CField = { re: tf.Tensor; im: tf.Tensor };

export function sunLinkShape(lattice: Lattice, batch: number, N: number): number[] {
  return [batch, ...[...lattice.extents].reverse(), lattice.dims, N, N];
}

/** Concatenated SUNField.links of `batch` fields (float64) → (re, im) float32 tensors. */
export function sunLinksToTensors(lattice: Lattice, N: number, links: Float64Array, batch: number): CField {
  const per = lattice.volume * lattice.dims * N * N;
  if (links.length !== 2 * per * batch) throw new Error(`SU(${N}) links: expected ${batch} fields of ${2 * per} values, got ${links.length}`);
  const re = new Float32Array(per * batch), im = new Float32Array(per * batch);
  for (let k = 0; k < re.length; k++) {
    re[k] = links[2 * k];
    im[k] = links[2 * k + 1];
  }
  const shape = sunLinkShape(lattice, batch, N);
  return { re: tf.tensor(re, shape), im: tf.tensor(im, shape) };
}

/** (re, im) tensors → concatenated interleaved float64 links. */
export function tensorsToSunLinks(f: CField): Float64Array {
  const re = f.re.dataSync(), im = f.im.dataSync();
  const out = new Float64Array(2 * re.length);
  for (let k = 0; k < re.length; k++) {
    out[2 * k] = re[k];
    out[2 * k + 1] = im[k];
  }
  return out;
}

const both = (f: CField, op: (t: tf.Tensor) => tf.Tensor): CField => ({ re: op(f.re), im: op(f.im) });

/** U_μ(x) of every site: [B, spatial…, N, N]. */
export function sunComponent(links: CField, mu: number): CField {
  const r = links.re.rank; // d + 4
  const d = links.re.shape[r - 3]!, N = links.re.shape[r - 1]!;
  const out = links.re.shape.slice(0, r - 3).concat([N, N]);
  // on the rank-3 view [sites, d, N²]: the wasm slice kernel refuses ranks above 6
  return both(links, (t) => tf.reshape(tf.slice(tf.reshape(t, [-1, d, N * N]), [0, mu, 0], [-1, 1, N * N]), out));
}

/** The field with component μ replaced by `comp` [B, spatial…, N, N]. */
export function sunReplaceComponent(links: CField, mu: number, comp: CField): CField {
  const r = links.re.rank, d = links.re.shape[r - 3]!;
  return {
    re: replaceOne(links.re, comp.re, mu, d, r),
    im: replaceOne(links.im, comp.im, mu, d, r),
  };
}

function replaceOne(t: tf.Tensor, c: tf.Tensor, mu: number, d: number, r: number): tf.Tensor {
  // on the rank-3 view [sites, d, N²] (the wasm slice kernel refuses ranks above 6)
  const N = t.shape[r - 1]!;
  const v = tf.reshape(t, [-1, d, N * N]);
  const parts: tf.Tensor[] = [];
  if (mu > 0) parts.push(tf.slice(v, [0, 0, 0], [-1, mu, N * N]));
  parts.push(tf.reshape(c, [-1, 1, N * N]));
  if (mu < d - 1) parts.push(tf.slice(v, [0, mu + 1, 0], [-1, d - 1 - mu, N * N]));
  return tf.reshape(tf.concat(parts, 1), t.shape);
}

/** out(x) = f(x + k ν̂), periodic, for per-site matrices [B, spatial…, N, N]. */
export function sunShift(f: CField, dims: number, nu: number, k: number): CField {
  return both(f, (t) => rollAxis(t, spatialAxis(dims, nu), k));
}

const flat = (f: CField): CMat => {
  const N = f.re.shape[f.re.rank - 1]!;
  return { re: tf.reshape(f.re, [-1, N, N]) as tf.Tensor3D, im: tf.reshape(f.im, [-1, N, N]) as tf.Tensor3D };
};
const unflat = (m: CMat, shape: number[]): CField => ({ re: tf.reshape(m.re, shape), im: tf.reshape(m.im, shape) });

/** Site-wise A B for per-site matrices of equal shape. */
export function sunMul(a: CField, b: CField): CField {
  return unflat(cmul(flat(a), flat(b)), a.re.shape);
}

/** Site-wise A B†. */
export function sunMulAdj(a: CField, b: CField): CField {
  return unflat(cmul(flat(a), cadjoint(flat(b))), a.re.shape);
}

/** Site-wise A†. */
export function sunAdjoint(a: CField): CField {
  return unflat(cadjoint(flat(a)), a.re.shape);
}

/** The staple S(x) = U_ν(x+μ̂) U_μ(x+ν̂)† U_ν(x)† that closes U_μ(x) into the plaquette P_μν(x) = U_μ(x) S(x). */
export function sunStaple(links: CField, dims: number, mu: number, nu: number): CField {
  const Um = sunComponent(links, mu), Un = sunComponent(links, nu);
  return sunMulAdj(sunMulAdj(sunShift(Un, dims, mu, 1), sunShift(Um, dims, nu, 1)), Un);
}

/** The untraced plaquette P_μν(x) = U_μ(x) U_ν(x+μ̂) U_μ(x+ν̂)† U_ν(x)†: [B, spatial…, N, N]. */
export function sunPlaquette(links: CField, dims: number, mu: number, nu: number): CField {
  return sunMul(sunComponent(links, mu), sunStaple(links, dims, mu, nu));
}

/** Re tr P_μν(x) of every field and site: [B, V] (site order of the layout). */
export function sunPlaquetteReTrace(links: CField, dims: number, mu: number, nu: number): tf.Tensor2D {
  return tf.tidy(() => {
    const B = links.re.shape[0]!;
    const N = links.re.shape[links.re.rank - 1]!;
    const P = sunPlaquette(links, dims, mu, nu);
    const tr = ctrace({ re: tf.reshape(P.re, [-1, N, N]) as tf.Tensor3D, im: tf.reshape(P.im, [-1, N, N]) as tf.Tensor3D }).re;
    return tf.reshape(tr, [B, -1]) as tf.Tensor2D;
  });
}
