/**
 * SU(N) staples, Wilson force and action over a whole field with scratch allocated once.
 * Staple sum of link l = (x, μ):
 *   A_l = Σ_{ν≠μ} U_ν(x+μ) U_μ(x+ν)† U_ν(x)† + U_ν(x−ν+μ)† U_μ(x−ν)† U_ν(x−ν),
 * so the action depends on U_l through −(β/N) Re tr(U_l A_l) (as the contract's stapleSUN).
 * Every plaquette appears in the staples of its four links, hence
 *   S = −(β/4N) Σ_l Re tr(U_l A_l),
 * which the force loop gets for free.
 */
import type { SUNField } from '../lattices/field.ts';

/** out = a·b (N×N complex, interleaved re/im, row-major). */
export function mulNN(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let re = 0, im = 0;
      for (let k = 0; k < N; k++) {
        const ar = a[ao + 2 * (i * N + k)], ai = a[ao + 2 * (i * N + k) + 1];
        const br = b[bo + 2 * (k * N + j)], bi = b[bo + 2 * (k * N + j) + 1];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] = re;
      out[oo + 2 * (i * N + j) + 1] = im;
    }
  }
}

/** out = a·b† */
export function mulNA(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let re = 0, im = 0;
      for (let k = 0; k < N; k++) {
        const ar = a[ao + 2 * (i * N + k)], ai = a[ao + 2 * (i * N + k) + 1];
        const br = b[bo + 2 * (j * N + k)], bi = -b[bo + 2 * (j * N + k) + 1];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] = re;
      out[oo + 2 * (i * N + j) + 1] = im;
    }
  }
}

/** out += a†·b */
export function mulANAdd(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let re = 0, im = 0;
      for (let k = 0; k < N; k++) {
        const ar = a[ao + 2 * (k * N + i)], ai = -a[ao + 2 * (k * N + i) + 1];
        const br = b[bo + 2 * (k * N + j)], bi = b[bo + 2 * (k * N + j) + 1];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] += re;
      out[oo + 2 * (i * N + j) + 1] += im;
    }
  }
}

/** out += a·b† */
export function mulNAAdd(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let re = 0, im = 0;
      for (let k = 0; k < N; k++) {
        const ar = a[ao + 2 * (i * N + k)], ai = a[ao + 2 * (i * N + k) + 1];
        const br = b[bo + 2 * (j * N + k)], bi = -b[bo + 2 * (j * N + k) + 1];
        re += ar * br - ai * bi;
        im += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] += re;
      out[oo + 2 * (i * N + j) + 1] += im;
    }
  }
}

export class SunStaples {
  readonly N: number;
  readonly m: number;
  readonly dims: number;
  readonly nLinks: number;
  private readonly fwd: Int32Array;
  private readonly bwd: Int32Array;
  private readonly t1: Float64Array;
  private readonly A: Float64Array;
  private readonly M: Float64Array;
  /** Σ_l Re tr(U_l A_l) from the last force() call. */
  lastTraceSum = NaN;

  constructor(readonly field: SUNField) {
    this.N = field.group.N;
    this.m = 2 * this.N * this.N;
    this.dims = field.lattice.dims;
    this.nLinks = field.lattice.volume * this.dims;
    this.fwd = field.lattice.fwd;
    this.bwd = field.lattice.bwd;
    this.t1 = new Float64Array(this.m);
    this.A = new Float64Array(this.m);
    this.M = new Float64Array(this.m);
  }

  /** Staple sum of link l written to out[oo ..]. */
  staple(l: number, out: Float64Array, oo: number): void {
    const d = this.dims, N = this.N, m = this.m, U = this.field.links, fwd = this.fwd, bwd = this.bwd, t1 = this.t1;
    const x = (l / d) | 0, mu = l - x * d;
    const xpmu = fwd[l];
    for (let i = 0; i < m; i++) out[oo + i] = 0;
    for (let nu = 0; nu < d; nu++) {
      if (nu === mu) continue;
      const xpnu = fwd[x * d + nu], xmnu = bwd[x * d + nu];
      const xmnupmu = fwd[xmnu * d + mu];
      // up: U_ν(x+μ) U_μ(x+ν)† U_ν(x)†
      mulNA(U, (xpmu * d + nu) * m, U, (xpnu * d + mu) * m, t1, 0, N);
      mulNAAdd(t1, 0, U, (x * d + nu) * m, out, oo, N);
      // down: (U_μ(x−ν) U_ν(x−ν+μ))† U_ν(x−ν)
      mulNN(U, (xmnu * d + mu) * m, U, (xmnupmu * d + nu) * m, t1, 0, N);
      mulANAdd(t1, 0, U, (xmnu * d + nu) * m, out, oo, N);
    }
  }

  /** force[l] = (β/2N) TAH(U_l A_l) for every link; also records Σ Re tr(U_l A_l). */
  force(beta: number, force: Float64Array): void {
    const N = this.N, m = this.m, U = this.field.links, A = this.A, M = this.M;
    const c = beta / (2 * N);
    let trSum = 0;
    for (let l = 0, o = 0; l < this.nLinks; l++, o += m) {
      this.staple(l, A, 0);
      mulNN(U, o, A, 0, M, 0, N);
      let imTr = 0;
      for (let i = 0; i < N; i++) {
        trSum += M[2 * (i * N + i)];
        imTr += M[2 * (i * N + i) + 1];
      }
      imTr /= N;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          const ij = 2 * (i * N + j), ji = 2 * (j * N + i);
          // (M − M†)/2 − (i Im tr M / N)·1
          force[o + ij] = c * 0.5 * (M[ij] - M[ji]);
          force[o + ij + 1] = c * (0.5 * (M[ij + 1] + M[ji + 1]) - (i === j ? imTr : 0));
        }
      }
    }
    this.lastTraceSum = trSum;
  }

  /** S = −(β/N) Σ_{x,μ<ν} Re tr P_μν(x), float64 (via Σ_l Re tr(U_l A_l) / 4). */
  action(beta: number): number {
    const N = this.N, m = this.m, U = this.field.links, A = this.A;
    let trSum = 0;
    for (let l = 0, o = 0; l < this.nLinks; l++, o += m) {
      this.staple(l, A, 0);
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < N; k++) {
          // Re tr(U A) = Σ_ik Re(U_ik A_ki)
          const ur = U[o + 2 * (i * N + k)], ui = U[o + 2 * (i * N + k) + 1];
          const ar = A[2 * (k * N + i)], ai = A[2 * (k * N + i) + 1];
          trSum += ur * ar - ui * ai;
        }
      }
    }
    return (-beta / N) * 0.25 * trSum;
  }
}
