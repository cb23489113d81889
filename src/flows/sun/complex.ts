/**
 * Batched complex N×N matrices on TensorFlow.js as (re, im) pairs of float32 tensors [B, N, N]
 * (tfjs has no complex linear algebra; docs/design.md, "Numerics backend" and "SU(N) spectral layer").
 * Every operation is made of plain differentiable tfjs ops, so gradients with respect to both parts
 * flow through the tape. Conversions to and from the interleaved float64 storage of
 * `lattices/matrix.ts` (element (i,j) has re at 2(iN+j), im at 2(iN+j)+1) are included for tests
 * and for moving link fields in and out.
 *
 * matMul is always called without transpose flags (they are ~8× slower on wasm; adjoints are taken
 * by an explicit transpose).
 */
import { tf } from '../../backend/index.ts';

export type CMat = {
  re: tf.Tensor3D;
  im: tf.Tensor3D;
};

/** A ⋅ B (3 real products; the Gauss trick is not worth its extra adds at these sizes). */
export function cmul(a: CMat, b: CMat): CMat {
  return {
    re: tf.sub(tf.matMul(a.re, b.re), tf.matMul(a.im, b.im)) as tf.Tensor3D,
    im: tf.add(tf.matMul(a.re, b.im), tf.matMul(a.im, b.re)) as tf.Tensor3D,
  };
}

/** A† (conjugate transpose). */
export function cadjoint(a: CMat): CMat {
  return {
    re: tf.transpose(a.re, [0, 2, 1]) as tf.Tensor3D,
    im: tf.neg(tf.transpose(a.im, [0, 2, 1])) as tf.Tensor3D,
  };
}

/** tr A per batch entry: { re: [B], im: [B] }. */
export function ctrace(a: CMat): { re: tf.Tensor1D; im: tf.Tensor1D } {
  const N = a.re.shape[1];
  const eye = tf.eye(N);
  return {
    re: tf.sum(tf.mul(a.re, eye), [1, 2]) as tf.Tensor1D,
    im: tf.sum(tf.mul(a.im, eye), [1, 2]) as tf.Tensor1D,
  };
}

/** The identity, broadcast to a batch of B. */
export function cidentity(B: number, N: number): CMat {
  return {
    re: tf.tile(tf.expandDims(tf.eye(N), 0), [B, 1, 1]) as tf.Tensor3D,
    im: tf.zeros([B, N, N]) as tf.Tensor3D,
  };
}

/** A^1, …, A^K (A^k = A^{k−1} A; K − 1 products). */
export function cpowers(a: CMat, K: number): CMat[] {
  if (!Number.isInteger(K) || K < 1) throw new Error(`cpowers: K must be a positive integer, got ${K}`);
  const out = [a];
  for (let k = 2; k <= K; k++) out.push(cmul(out[k - 2], a));
  return out;
}

/** Re tr A^k and Im tr A^k, k = 1…K, as [B, 2K] (Re first, then Im, per power): conjugation-invariant features. */
export function traceFeatures(a: CMat, K: number): tf.Tensor2D {
  const cols: tf.Tensor1D[] = [];
  for (const p of cpowers(a, K)) {
    const t = ctrace(p);
    cols.push(t.re, t.im);
  }
  return tf.stack(cols, 1) as tf.Tensor2D;
}

/** V diag(e^{iθ}) V† for V [B, N, N] and phases θ [B, N]: the rebuild after a spectral map. */
export function fromEigenphases(V: CMat, theta: tf.Tensor2D): CMat {
  // (V e^{iθ})_{ik} = V_ik e^{iθ_k}: scale the columns, then multiply by V†
  const c = tf.expandDims(tf.cos(theta), 1);
  const s = tf.expandDims(tf.sin(theta), 1);
  const scaled: CMat = {
    re: tf.sub(tf.mul(V.re, c), tf.mul(V.im, s)) as tf.Tensor3D,
    im: tf.add(tf.mul(V.re, s), tf.mul(V.im, c)) as tf.Tensor3D,
  };
  return cmul(scaled, cadjoint(V));
}

/** Largest |A_ij − B_ij| over the batch (float64 on the JS side; for tests and checks). */
export function cmaxAbsDiff(a: CMat, b: CMat): number {
  return tf.tidy(() => {
    const d = tf.sqrt(tf.add(tf.square(tf.sub(a.re, b.re)), tf.square(tf.sub(a.im, b.im))));
    return tf.max(d).dataSync()[0];
  });
}

/** Interleaved float64 storage (B matrices, 2N² doubles each, as in lattices/matrix.ts) → CMat. */
export function cmatFromInterleaved(data: Float64Array, B: number, N: number): CMat {
  const n2 = N * N;
  if (data.length < B * 2 * n2) throw new Error(`cmatFromInterleaved: need ${B * 2 * n2} values, got ${data.length}`);
  const re = new Float32Array(B * n2);
  const im = new Float32Array(B * n2);
  for (let k = 0; k < B * n2; k++) {
    re[k] = data[2 * k];
    im[k] = data[2 * k + 1];
  }
  return { re: tf.tensor3d(re, [B, N, N]), im: tf.tensor3d(im, [B, N, N]) };
}

/** CMat → interleaved float64 storage (the float32 values widened). */
export function cmatToInterleaved(a: CMat): Float64Array {
  const re = a.re.dataSync();
  const im = a.im.dataSync();
  const out = new Float64Array(2 * re.length);
  for (let k = 0; k < re.length; k++) {
    out[2 * k] = re[k];
    out[2 * k + 1] = im[k];
  }
  return out;
}

export function cdispose(...ms: (CMat | undefined)[]): void {
  for (const m of ms) if (m) tf.dispose([m.re, m.im]);
}
