/**
 * SU(N) heat bath and over-relaxation by Cabibbo–Marinari: the link is updated by left
 * multiplication with SU(2) elements r embedded in each of the N(N−1)/2 subgroups (i, j).
 * With W = U_l A_l (A_l the staple sum) the action depends on r through −(β/N) Re tr(r w),
 * w the (i, j) block of W, and Re tr(r w) = Re tr(r v) with v the real-quaternion part of w,
 * v = k V, V ∈ SU(2). Heat bath: X = rV ~ exp((2βk/N) x0) (SU(2) heat bath), r = X V†.
 * Over-relaxation: r = V†², which keeps Re tr(r w) and is an involution.
 */
import type { SUNField } from '../lattices/field.ts';
import type { Rng } from '../lattices/random.ts';
import { mul, reunitarize } from '../lattices/matrix.ts';
import { stapleSUN } from '../lattices/action.ts';
import { su2HeatbathQuaternion } from './heatbath_su2.ts';

export class SunHeatbath {
  readonly N: number;
  readonly m: number;
  readonly nLinks: number;
  private readonly A: Float64Array;
  private readonly W: Float64Array;
  private readonly q: Float64Array;

  constructor(readonly field: SUNField) {
    this.N = field.group.N;
    this.m = 2 * this.N * this.N;
    this.nLinks = field.lattice.volume * field.lattice.dims;
    this.A = new Float64Array(this.m);
    this.W = new Float64Array(this.m);
    this.q = new Float64Array(4);
  }

  /** Left-multiply rows i, j of mat (at offset o) by the SU(2) quaternion (r0, r1, r2, r3). */
  private rotateRows(mat: Float64Array, o: number, i: number, j: number, r0: number, r1: number, r2: number, r3: number): void {
    const N = this.N;
    // r = [[r0 + i r3, r2 + i r1], [−r2 + i r1, r0 − i r3]]
    for (let c = 0; c < N; c++) {
      const pi = o + 2 * (i * N + c), pj = o + 2 * (j * N + c);
      const xr = mat[pi], xi = mat[pi + 1], yr = mat[pj], yi = mat[pj + 1];
      mat[pi] = r0 * xr - r3 * xi + r2 * yr - r1 * yi;
      mat[pi + 1] = r0 * xi + r3 * xr + r2 * yi + r1 * yr;
      mat[pj] = -r2 * xr - r1 * xi + r0 * yr + r3 * yi;
      mat[pj + 1] = -r2 * xi + r1 * xr + r0 * yi - r3 * yr;
    }
  }

  /** One sweep over all links; heat bath if rng is given, over-relaxation if it is null. */
  sweep(beta: number, rng: Rng | null): void {
    for (let l = 0; l < this.nLinks; l++) this.updateLink(l, beta, rng);
  }

  /** Cabibbo–Marinari update of link l over all SU(2) subgroups: heat bath (rng) or over-relaxation (null). */
  updateLink(l: number, beta: number, rng: Rng | null): void {
    const N = this.N, m = this.m, U = this.field.links, A = this.A, W = this.W, q = this.q;
    const c = (2 * beta) / N;
    const o = l * m;
    {
      stapleSUN(this.field, l, A, 0);
      mul(U, o, A, 0, W, 0, N);
      for (let i = 0; i < N; i++) {
        for (let j = i + 1; j < N; j++) {
          const ii = 2 * (i * N + i), jj = 2 * (j * N + j), ij = 2 * (i * N + j), ji = 2 * (j * N + i);
          let v0 = 0.5 * (W[ii] + W[jj]);
          let v1 = 0.5 * (W[ij + 1] + W[ji + 1]);
          let v2 = 0.5 * (W[ij] - W[ji]);
          let v3 = 0.5 * (W[ii + 1] - W[jj + 1]);
          const k = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3);
          let r0: number, r1: number, r2: number, r3: number;
          if (rng) {
            if (k < 1e-300) {
              // flat conditional: Haar-random r
              su2HeatbathQuaternion(0, rng, q, 0);
              r0 = q[0]; r1 = q[1]; r2 = q[2]; r3 = q[3];
            } else {
              v0 /= k; v1 /= k; v2 /= k; v3 /= k;
              su2HeatbathQuaternion(c * k, rng, q, 0);
              // r = X V†, V† = (v0, −v), product (a0,a)(b0,b) = (a0b0 − a·b, a0 b + b0 a − a×b)
              const x0 = q[0], x1 = q[1], x2 = q[2], x3 = q[3];
              const b1 = -v1, b2 = -v2, b3 = -v3;
              r0 = x0 * v0 - (x1 * b1 + x2 * b2 + x3 * b3);
              r1 = x0 * b1 + v0 * x1 - (x2 * b3 - x3 * b2);
              r2 = x0 * b2 + v0 * x2 - (x3 * b1 - x1 * b3);
              r3 = x0 * b3 + v0 * x3 - (x1 * b2 - x2 * b1);
            }
          } else {
            if (k < 1e-300) continue;
            v0 /= k; v1 /= k; v2 /= k; v3 /= k;
            // r = V†V† = (v0² − |v|², −2 v0 v)  (v × v = 0)
            r0 = v0 * v0 - (v1 * v1 + v2 * v2 + v3 * v3);
            r1 = -2 * v0 * v1;
            r2 = -2 * v0 * v2;
            r3 = -2 * v0 * v3;
          }
          this.rotateRows(U, o, i, j, r0, r1, r2, r3);
          if (N > 2) this.rotateRows(W, 0, i, j, r0, r1, r2, r3);
        }
      }
      // Keep rounding drift of the successive rotations from accumulating.
      reunitarize(U, o, N);
    }
  }
}
