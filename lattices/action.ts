/**
 * Wilson action, plaquettes, staples and the force (docs/design.md, "Lattice gauge theory conventions";
 * the README's "Physics conventions" section and lattices/README.md give the short version).
 * S = −(β/N) Σ_{x, μ<ν} Re tr P_μν(x), U(1): S = −β Σ cos θ_P. U(1) paths are single loops over the cached
 * plaquette link table; SU(N) paths use per-link staples with module-level scratch (no allocation).
 */
import { type Lattice, plaquetteLinks, plaquetteCount } from './geometry.ts';
import { type GaugeField, type SUNField, type U1Field } from './field.ts';
import { type Rng, fillGaussian } from './random.ts';
import { mul, mulAdjA, mulAdjB, projectTAH, reTraceMulAdjB } from './matrix.ts';

type F64 = Float64Array;

function checkBeta(beta: number, who: string): void {
  if (!Number.isFinite(beta)) throw new Error(`${who}: beta must be a finite number, got ${beta}`);
}

/** Σ_P cos θ_P (U(1)) */
export function sumCosPlaquettesU1(field: U1Field): number {
  const th = field.theta, P = plaquetteLinks(field.lattice);
  let s = 0;
  for (let p = 0; p < P.length; p += 4) s += Math.cos(th[P[p]] + th[P[p + 1]] - th[P[p + 2]] - th[P[p + 3]]);
  return s;
}

let tA = new Float64Array(0), tB = new Float64Array(0), tC = new Float64Array(0), tD = new Float64Array(0);
function ensure(N: number): void {
  const m = 2 * N * N;
  if (tA.length < m) { tA = new Float64Array(m); tB = new Float64Array(m); tC = new Float64Array(m); tD = new Float64Array(m); }
}

/** Σ_{x, μ<ν} Re tr P_μν(x) (SU(N)) */
export function sumReTrPlaquettesSUN(field: SUNField): number {
  const N = field.group.N, m = 2 * N * N, U = field.links;
  const lat = field.lattice, d = lat.dims, fwd = lat.fwd;
  ensure(N);
  let s = 0;
  for (let x = 0; x < lat.volume; x++) {
    for (let mu = 0; mu < d; mu++) {
      const xpm = fwd[x * d + mu];
      for (let nu = mu + 1; nu < d; nu++) {
        const xpn = fwd[x * d + nu];
        // Re tr(U_μ(x) U_ν(x+μ) [U_ν(x) U_μ(x+ν)]†)
        mul(U, (x * d + mu) * m, U, (xpm * d + nu) * m, tA, 0, N);
        mul(U, (x * d + nu) * m, U, (xpn * d + mu) * m, tB, 0, N);
        s += reTraceMulAdjB(tA, 0, tB, 0, N);
      }
    }
  }
  return s;
}

export function wilsonAction(field: GaugeField, beta: number): number {
  checkBeta(beta, 'wilsonAction');
  if (field.group.kind === 'u1') return -beta * sumCosPlaquettesU1(field as U1Field);
  return (-beta / field.group.N) * sumReTrPlaquettesSUN(field as SUNField);
}

/** U(1): mean cos θ_P; SU(N): mean (1/N) Re tr P; over all x and μ<ν. */
export function averagePlaquette(field: GaugeField): number {
  const n = plaquetteCount(field.lattice);
  if (field.group.kind === 'u1') return sumCosPlaquettesU1(field as U1Field) / n;
  return sumReTrPlaquettesSUN(field as SUNField) / (n * field.group.N);
}

/** θ_P of P_μν(x) for U(1) (not wrapped), μ ≠ ν; P_νμ = −P_μν. */
export function plaquetteAngle(field: U1Field, site: number, mu: number, nu: number): number {
  const lat = field.lattice, d = lat.dims, fwd = lat.fwd, th = field.theta;
  return th[site * d + mu] + th[fwd[site * d + mu] * d + nu] - th[fwd[site * d + nu] * d + mu] - th[site * d + nu];
}

/**
 * Staple sum of U(1) link l written as (re, im) to out[oo], out[oo+1]: the action's dependence on θ_l is
 * −β Re(e^{iθ_l} A). Non-allocating; for hot loops (heat bath, local Metropolis).
 */
export function stapleU1Into(field: U1Field, l: number, out: F64, oo: number): void {
  const lat = field.lattice, d = lat.dims, fwd = lat.fwd, bwd = lat.bwd, th = field.theta;
  const x = (l / d) | 0, mu = l - x * d;
  const xpm = fwd[l];
  let re = 0, im = 0;
  for (let nu = 0; nu < d; nu++) {
    if (nu === mu) continue;
    const xpn = fwd[x * d + nu], xmn = bwd[x * d + nu], xpmmn = bwd[xpm * d + nu];
    const up = th[xpm * d + nu] - th[xpn * d + mu] - th[x * d + nu];
    const dn = -th[xpmmn * d + nu] - th[xmn * d + mu] + th[xmn * d + nu];
    re += Math.cos(up) + Math.cos(dn);
    im += Math.sin(up) + Math.sin(dn);
  }
  out[oo] = re;
  out[oo + 1] = im;
}

const st2 = new Float64Array(2);
/** Allocating convenience form of stapleU1Into. */
export function stapleU1(field: U1Field, l: number): { re: number; im: number } {
  stapleU1Into(field, l, st2, 0);
  return { re: st2[0], im: st2[1] };
}

/**
 * Staple sum A of SU(N) link l = (x, μ), written to out at oo: the action's dependence on U_l is
 * −(β/N) Re tr(U_l A), A = Σ_{ν≠μ} U_ν(x+μ) U_μ(x+ν)† U_ν(x)† + U_ν(x+μ−ν)† U_μ(x−ν)† U_ν(x−ν).
 */
export function stapleSUN(field: SUNField, l: number, out: F64, oo: number): void {
  const N = field.group.N, m = 2 * N * N, U = field.links;
  const lat = field.lattice, d = lat.dims, fwd = lat.fwd, bwd = lat.bwd;
  ensure(N);
  const x = (l / d) | 0, mu = l - x * d;
  const xpm = fwd[l];
  for (let k = 0; k < m; k++) out[oo + k] = 0;
  for (let nu = 0; nu < d; nu++) {
    if (nu === mu) continue;
    const xpn = fwd[x * d + nu], xmn = bwd[x * d + nu], xpmmn = bwd[xpm * d + nu];
    mulAdjB(U, (xpm * d + nu) * m, U, (xpn * d + mu) * m, tC, 0, N);
    mulAdjB(tC, 0, U, (x * d + nu) * m, tD, 0, N);
    for (let k = 0; k < m; k++) out[oo + k] += tD[k];
    // U_ν(x+μ−ν)† U_μ(x−ν)† U_ν(x−ν) = [U_μ(x−ν) U_ν(x+μ−ν)]† U_ν(x−ν)
    mul(U, (xmn * d + mu) * m, U, (xpmmn * d + nu) * m, tC, 0, N);
    mulAdjA(tC, 0, U, (xmn * d + nu) * m, tD, 0, N);
    for (let k = 0; k < m; k++) out[oo + k] += tD[k];
  }
}

/**
 * U(1): out[l] = ∂S/∂θ_l. SU(N): out[l] (2N² per link) = traceless anti-Hermitian F_l with
 * d/dε S(e^{εX} U_l)|₀ = −2 Re tr(F_l X) for all X ∈ su(N); F_l = (β/2N) TAH(U_l A_l).
 */
export function wilsonForce(field: GaugeField, beta: number, out: F64): void {
  checkBeta(beta, 'wilsonForce');
  const lat = field.lattice, nLinks = lat.volume * lat.dims;
  if (field.group.kind === 'u1') {
    if (out.length !== nLinks) throw new Error(`wilsonForce: out must have length ${nLinks}, got ${out.length}`);
    const th = (field as U1Field).theta, P = plaquetteLinks(lat);
    out.fill(0);
    for (let p = 0; p < P.length; p += 4) {
      const l0 = P[p], l1 = P[p + 1], l2 = P[p + 2], l3 = P[p + 3];
      const s = beta * Math.sin(th[l0] + th[l1] - th[l2] - th[l3]);
      out[l0] += s; out[l1] += s; out[l2] -= s; out[l3] -= s;
    }
    return;
  }
  const f = field as SUNField, N = f.group.N, m = 2 * N * N;
  if (out.length !== nLinks * m) throw new Error(`wilsonForce: out must have length ${nLinks * m}, got ${out.length}`);
  accumulateLinkLoops(f, out);
  const c = beta / (2 * N);
  for (let l = 0; l < nLinks; l++) {
    projectTAH(out, l * m, out, l * m, N);
    for (let k = l * m, e = k + m; k < e; k++) out[k] *= c;
  }
}

/**
 * out[l] = Σ_{P ∋ l} M_{l,P} = U_l A_l, built plaquette by plaquette: with A = U1 U2, B = U4 U3 and
 * P = A B†, the four links of P receive P, U2 B† U1, U3 A† U4 and P† (cyclic rotations of P or P†).
 * 7 products per plaquette instead of 4(d−1)+1 per link via staples (42 vs 52 per site in 4D).
 */
function accumulateLinkLoops(f: SUNField, out: F64): void {
  const N = f.group.N, m = 2 * N * N, U = f.links;
  const lat = f.lattice, d = lat.dims, fwd = lat.fwd;
  ensure(N);
  out.fill(0);
  for (let x = 0; x < lat.volume; x++) {
    for (let mu = 0; mu < d; mu++) {
      const o1 = (x * d + mu) * m, xpm = fwd[x * d + mu];
      for (let nu = mu + 1; nu < d; nu++) {
        const o2 = (xpm * d + nu) * m, o3 = (fwd[x * d + nu] * d + mu) * m, o4 = (x * d + nu) * m;
        mul(U, o1, U, o2, tA, 0, N); // A = U1 U2
        mul(U, o4, U, o3, tB, 0, N); // B = U4 U3
        mulAdjB(tA, 0, tB, 0, tC, 0, N); // P = A B†
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            const ij = 2 * (i * N + j), ji = 2 * (j * N + i);
            out[o1 + ij] += tC[ij]; out[o1 + ij + 1] += tC[ij + 1];
            out[o4 + ij] += tC[ji]; out[o4 + ij + 1] -= tC[ji + 1];
          }
        }
        mulAdjA(tB, 0, U, o1, tC, 0, N); // B† U1
        mul(U, o2, tC, 0, tD, 0, N);
        for (let k = 0; k < m; k++) out[o2 + k] += tD[k];
        mulAdjA(tA, 0, U, o4, tC, 0, N); // A† U4
        mul(U, o3, tC, 0, tD, 0, N);
        for (let k = 0; k < m; k++) out[o3 + k] += tD[k];
      }
    }
  }
}

/** Reference force through per-link staples, F_l = (β/2N) TAH(U_l A_l); slower, kept to cross-check wilsonForce. */
export function wilsonForceByStaples(field: SUNField, beta: number, out: F64): void {
  const N = field.group.N, m = 2 * N * N, U = field.links, nLinks = field.lattice.volume * field.lattice.dims;
  if (out.length !== nLinks * m) throw new Error(`wilsonForceByStaples: out must have length ${nLinks * m}, got ${out.length}`);
  const A = new Float64Array(m), M = new Float64Array(m);
  const c = beta / (2 * N);
  for (let l = 0; l < nLinks; l++) {
    stapleSUN(field, l, A, 0);
    mul(U, l * m, A, 0, M, 0, N);
    projectTAH(M, 0, out, l * m, N);
    for (let k = l * m, e = k + m; k < e; k++) out[k] *= c;
  }
}

let gbuf = new Float64Array(0);

/**
 * Gaussian element P = Σ_a p_a X_a of su(N), X_a = iλ_a/2 (orthonormal under ⟨A,B⟩ = −2 tr AB), p_a ~ N(0,1).
 * Built directly: off-diagonal P_jk = (p + i q)/2; diagonal i(g_k − ḡ)/√2, the projection of an isotropic
 * Gaussian onto the traceless subspace, which has the same covariance as Σ p_m λ_m/2 over the Cartan λ_m.
 */
export function randomAlgebra(N: number, rng: Rng, out: F64, oo: number): void {
  const n2 = N * N;
  if (gbuf.length < n2) gbuf = new Float64Array(n2);
  fillGaussian(rng, gbuf, 0, n2);
  let k = 0, mean = 0;
  for (let i = 0; i < N; i++) mean += gbuf[i];
  mean /= N;
  for (let i = 0; i < N; i++) {
    out[oo + 2 * (i * N + i)] = 0;
    out[oo + 2 * (i * N + i) + 1] = (gbuf[i] - mean) * Math.SQRT1_2;
  }
  k = N;
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const p = 0.5 * gbuf[k++], q = 0.5 * gbuf[k++];
      out[oo + 2 * (i * N + j)] = p; out[oo + 2 * (i * N + j) + 1] = q;
      out[oo + 2 * (j * N + i)] = -p; out[oo + 2 * (j * N + i) + 1] = q;
    }
  }
}

/** Convenience for samplers: number of links of a lattice. */
export function linkCount(lat: Lattice): number {
  return lat.volume * lat.dims;
}
