/**
 * Batched determinants and solves of small matrices [B, n, n] (tf.linalg has neither det nor solve).
 * Closed forms for n = 1, 2, 3 (differentiable, cheap); Gaussian elimination with partial pivoting
 * for general small n.
 */
import { tf } from '../backend/index.ts';

function entry(M: tf.Tensor3D, i: number, j: number): tf.Tensor1D {
  const B = M.shape[0];
  return tf.reshape(tf.slice(M, [0, i, j], [B, 1, 1]), [B]) as tf.Tensor1D;
}

function entries(M: tf.Tensor3D): tf.Tensor1D[][] {
  const n = M.shape[1];
  const cols = tf.unstack(tf.reshape(M, [M.shape[0], n * n]), 1) as tf.Tensor1D[];
  return Array.from({ length: n }, (_, i) => cols.slice(i * n, i * n + n));
}

/**
 * Gaussian elimination with partial pivoting, unrolled over the (small) size and batched over B:
 * at column k each batch entry picks its own largest |a_pk| (p ≥ k) as pivot and swaps that row up
 * (selected with `where`, so the values stay differentiable). Returns the pivots u_kk, the sign of
 * the row permutation and, when right-hand sides are given, their eliminated rows.
 */
function eliminate(M: tf.Tensor3D, rhsIn?: tf.Tensor[]): { U: tf.Tensor[][]; sign: tf.Tensor1D; rhs: tf.Tensor[] } {
  const n = M.shape[1];
  const B = M.shape[0];
  const a = entries(M) as tf.Tensor[][];
  const rhs = rhsIn ? rhsIn.slice() : [];
  let sign: tf.Tensor = tf.ones([B]);
  for (let k = 0; k < n; k++) {
    let best: tf.Tensor = tf.abs(a[k][k]);
    let idx: tf.Tensor = tf.fill([B], k);
    for (let p = k + 1; p < n; p++) {
      const take = tf.greater(tf.abs(a[p][k]), best);
      best = tf.where(take, tf.abs(a[p][k]), best);
      idx = tf.where(take, tf.fill([B], p), idx);
    }
    for (let p = k + 1; p < n; p++) {
      const swap = tf.equal(idx, p);
      for (let j = 0; j < n; j++) {
        const [rk, rp] = [a[k][j], a[p][j]];
        a[k][j] = tf.where(swap, rp, rk);
        a[p][j] = tf.where(swap, rk, rp);
      }
      if (rhs.length) {
        const [rk, rp] = [rhs[k], rhs[p]];
        const m = tf.broadcastTo(tf.expandDims(swap, 1), rk.shape);
        rhs[k] = tf.where(m, rp, rk);
        rhs[p] = tf.where(m, rk, rp);
      }
    }
    sign = tf.where(tf.equal(idx, k), sign, tf.neg(sign));
    for (let i = k + 1; i < n; i++) {
      const l = tf.div(a[i][k], a[k][k]);
      for (let j = k + 1; j < n; j++) a[i][j] = tf.sub(a[i][j], tf.mul(l, a[k][j]));
      if (rhs.length) rhs[i] = tf.sub(rhs[i], tf.mul(tf.expandDims(l, 1), rhs[k]));
    }
  }
  return { U: a, sign: sign as tf.Tensor1D, rhs };
}

export function det(M: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = M.shape[1];
    if (M.shape[2] !== n) throw new Error(`det: matrices must be square, got ${M.shape}`);
    if (n === 1) return entry(M, 0, 0);
    if (n === 2) {
      const [[a, b], [c, d]] = entries(M);
      return tf.sub(tf.mul(a, d), tf.mul(b, c)) as tf.Tensor1D;
    }
    if (n === 3) {
      const [[a, b, c], [d, e, f], [g, h, i]] = entries(M);
      const t1 = tf.mul(a, tf.sub(tf.mul(e, i), tf.mul(f, h)));
      const t2 = tf.mul(b, tf.sub(tf.mul(d, i), tf.mul(f, g)));
      const t3 = tf.mul(c, tf.sub(tf.mul(d, h), tf.mul(e, g)));
      return tf.add(tf.sub(t1, t2), t3) as tf.Tensor1D;
    }
    const { U, sign } = eliminate(M);
    return U.reduce((p, row, k) => tf.mul(p, row[k]) as tf.Tensor1D, sign);
  });
}

/** log |det M| (finite for det ≠ 0; a tiny floor keeps gradients finite at det = 0). */
export function logAbsDet(M: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = M.shape[1];
    if (n <= 3) return tf.log(tf.add(tf.abs(det(M)), 1e-30)) as tf.Tensor1D;
    return tf.addN(eliminate(M).U.map((row, k) => tf.log(tf.add(tf.abs(row[k]), 1e-30)))) as tf.Tensor1D;
  });
}

/** Inverse of each [n, n] matrix (n ≤ 3 closed form by the adjugate; larger n by column solves). */
export function inverse(M: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const n = M.shape[1];
    const B = M.shape[0];
    if (n === 1) return tf.reshape(tf.reciprocal(entry(M, 0, 0)), [B, 1, 1]) as tf.Tensor3D;
    const D = det(M);
    const E = entries(M);
    let adj: tf.Tensor[][];
    if (n === 2) {
      const [[a, b], [c, d]] = E;
      adj = [
        [d, tf.neg(b)],
        [tf.neg(c), a],
      ];
    } else if (n === 3) {
      const [[a, b, c], [d, e, f], [g, h, i]] = E;
      const m = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor, s: tf.Tensor) => tf.sub(tf.mul(p, q), tf.mul(r, s));
      adj = [
        [m(e, i, f, h), m(c, h, b, i), m(b, f, c, e)],
        [m(f, g, d, i), m(a, i, c, g), m(c, d, a, f)],
        [m(d, h, e, g), m(b, g, a, h), m(a, e, b, d)],
      ];
    } else {
      return solve(M, tf.tile(tf.expandDims(tf.eye(n), 0), [B, 1, 1]) as tf.Tensor3D);
    }
    const rows = adj.map((r) => tf.stack(r.map((t) => tf.div(t, D)), 1));
    return tf.stack(rows, 1) as tf.Tensor3D;
  });
}

/** Solve M X = R for each batch entry; R is [B, n] (one right-hand side) or [B, n, k]. */
export function solve<T extends tf.Tensor2D | tf.Tensor3D>(M: tf.Tensor3D, R: T): T {
  return tf.tidy(() => {
    const n = M.shape[1];
    const vec = R.rank === 2;
    const R3 = (vec ? tf.expandDims(R, 2) : R) as tf.Tensor3D;
    let X: tf.Tensor3D;
    if (n <= 3) {
      X = tf.matMul(inverse(M), R3);
    } else {
      // Gaussian elimination with partial pivoting on the augmented system, then back substitution
      const { U: A, rhs } = eliminate(M, tf.unstack(R3, 1)); // rhs: n × [B, k]
      const x: tf.Tensor[] = new Array(n);
      for (let i = n - 1; i >= 0; i--) {
        let acc = rhs[i];
        for (let j = i + 1; j < n; j++) acc = tf.sub(acc, tf.mul(tf.expandDims(A[i][j], 1), x[j]));
        x[i] = tf.div(acc, tf.expandDims(A[i][i], 1));
      }
      X = tf.stack(x, 1) as tf.Tensor3D;
    }
    return (vec ? tf.squeeze(X, [2]) : X) as T;
  });
}
