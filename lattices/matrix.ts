/**
 * Complex N×N matrix kernels on interleaved Float64Array storage: element (i,j) has re at
 * off + 2(iN+j) and im at off + 2(iN+j) + 1 (row-major). Signature style `(a, ao, b, bo, out, oo, N)`.
 * Unless stated otherwise `out` must not overlap the inputs. Scratch buffers are module-level and
 * private to each function, so kernels never allocate in steady state (JS is single-threaded per worker).
 */

type F64 = Float64Array;

function scratch(buf: F64, n: number): F64 {
  return buf.length >= n ? buf : new Float64Array(n);
}

export function setIdentity(out: F64, oo: number, N: number): void {
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k++) out[oo + k] = 0;
  for (let i = 0; i < N; i++) out[oo + 2 * (i * N + i)] = 1;
}

export function copyMat(a: F64, ao: number, out: F64, oo: number, N: number): void {
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k++) out[oo + k] = a[ao + k];
}

/** out = A B */
export function mul(a: F64, ao: number, b: F64, bo: number, out: F64, oo: number, N: number): void {
  if (N === 3) return mul3(a, ao, b, bo, out, oo);
  if (N === 2) return mul2(a, ao, b, bo, out, oo);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        const ia = ao + 2 * (i * N + k), ib = bo + 2 * (k * N + j);
        const ar = a[ia], ai = a[ia + 1], br = b[ib], bi = b[ib + 1];
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] = sr;
      out[oo + 2 * (i * N + j) + 1] = si;
    }
  }
}

/** out = A B† */
export function mulAdjB(a: F64, ao: number, b: F64, bo: number, out: F64, oo: number, N: number): void {
  if (N === 3) return mulAdjB3(a, ao, b, bo, out, oo);
  if (N === 2) return mulAdjB2(a, ao, b, bo, out, oo);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        const ia = ao + 2 * (i * N + k), ib = bo + 2 * (j * N + k);
        const ar = a[ia], ai = a[ia + 1], br = b[ib], bi = -b[ib + 1];
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] = sr;
      out[oo + 2 * (i * N + j) + 1] = si;
    }
  }
}

/** out = A† B */
export function mulAdjA(a: F64, ao: number, b: F64, bo: number, out: F64, oo: number, N: number): void {
  if (N === 3) return mulAdjA3(a, ao, b, bo, out, oo);
  if (N === 2) return mulAdjA2(a, ao, b, bo, out, oo);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        const ia = ao + 2 * (k * N + i), ib = bo + 2 * (k * N + j);
        const ar = a[ia], ai = -a[ia + 1], br = b[ib], bi = b[ib + 1];
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      out[oo + 2 * (i * N + j)] = sr;
      out[oo + 2 * (i * N + j) + 1] = si;
    }
  }
}

/** out += s · A (s real) */
export function addScaled(a: F64, ao: number, s: number, out: F64, oo: number, N: number): void {
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k++) out[oo + k] += s * a[ao + k];
}

/** out = A† (in place allowed when out === a && oo === ao). */
export function adjoint(a: F64, ao: number, out: F64, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    const d = 2 * (i * N + i);
    out[oo + d] = a[ao + d];
    out[oo + d + 1] = -a[ao + d + 1];
    for (let j = i + 1; j < N; j++) {
      const ij = 2 * (i * N + j), ji = 2 * (j * N + i);
      const xr = a[ao + ij], xi = a[ao + ij + 1], yr = a[ao + ji], yi = a[ao + ji + 1];
      out[oo + ij] = yr; out[oo + ij + 1] = -yi;
      out[oo + ji] = xr; out[oo + ji + 1] = -xi;
    }
  }
}

export function traceRe(a: F64, ao: number, N: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += a[ao + 2 * (i * N + i)];
  return s;
}

export function traceIm(a: F64, ao: number, N: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += a[ao + 2 * (i * N + i) + 1];
  return s;
}

export function trace(a: F64, ao: number, N: number): { re: number; im: number } {
  return { re: traceRe(a, ao, N), im: traceIm(a, ao, N) };
}

/** Re tr(A B†) = Σ_ij Re(A_ij conj B_ij) — no product formed. */
export function reTraceMulAdjB(a: F64, ao: number, b: F64, bo: number, N: number): number {
  const n2 = 2 * N * N;
  let s = 0;
  for (let k = 0; k < n2; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/** Re tr(A B) without forming the product. */
export function reTraceMul(a: F64, ao: number, b: F64, bo: number, N: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const ia = ao + 2 * (i * N + j), ib = bo + 2 * (j * N + i);
      s += a[ia] * b[ib] - a[ia + 1] * b[ib + 1];
    }
  }
  return s;
}

/**
 * ⟨A, B⟩ = −2 Re tr(AB) for anti-Hermitian A, B (= 2 Σ Re(A_ij conj B_ij)); X_a = iλ_a/2 is orthonormal.
 * The HMC kinetic energy of a momentum P is ½⟨P,P⟩.
 */
export function algebraDot(a: F64, ao: number, b: F64, bo: number, N: number): number {
  return 2 * reTraceMulAdjB(a, ao, b, bo, N);
}

let detBuf: F64 = new Float64Array(0);

/** Determinant (closed form for N ≤ 3, otherwise LU with partial pivoting). */
export function det(a: F64, ao: number, N: number): { re: number; im: number } {
  if (N === 1) return { re: a[ao], im: a[ao + 1] };
  if (N === 2) {
    const re = a[ao] * a[ao + 6] - a[ao + 1] * a[ao + 7] - (a[ao + 2] * a[ao + 4] - a[ao + 3] * a[ao + 5]);
    const im = a[ao] * a[ao + 7] + a[ao + 1] * a[ao + 6] - (a[ao + 2] * a[ao + 5] + a[ao + 3] * a[ao + 4]);
    return { re, im };
  }
  if (N === 3) {
    // Cofactor expansion along row 0: Σ_j a_0j C_0j.
    let re = 0, im = 0;
    for (let j = 0; j < 3; j++) {
      const j1 = (j + 1) % 3, j2 = (j + 2) % 3;
      const p = ao + 2 * (3 + j1), q = ao + 2 * (6 + j2), r = ao + 2 * (3 + j2), s = ao + 2 * (6 + j1);
      const cr = a[p] * a[q] - a[p + 1] * a[q + 1] - (a[r] * a[s] - a[r + 1] * a[s + 1]);
      const ci = a[p] * a[q + 1] + a[p + 1] * a[q] - (a[r] * a[s + 1] + a[r + 1] * a[s]);
      const x = ao + 2 * j;
      re += a[x] * cr - a[x + 1] * ci;
      im += a[x] * ci + a[x + 1] * cr;
    }
    return { re, im };
  }
  const n2 = 2 * N * N;
  detBuf = scratch(detBuf, n2);
  const m = detBuf;
  for (let k = 0; k < n2; k++) m[k] = a[ao + k];
  let dr = 1, di = 0;
  for (let c = 0; c < N; c++) {
    let piv = c, best = -1;
    for (let r = c; r < N; r++) {
      const x = m[2 * (r * N + c)], y = m[2 * (r * N + c) + 1];
      const v = x * x + y * y;
      if (v > best) { best = v; piv = r; }
    }
    if (best === 0) return { re: 0, im: 0 };
    if (piv !== c) {
      for (let j = 0; j < 2 * N; j++) {
        const t = m[2 * c * N + j]; m[2 * c * N + j] = m[2 * piv * N + j]; m[2 * piv * N + j] = t;
      }
      dr = -dr; di = -di;
    }
    const pr = m[2 * (c * N + c)], pi = m[2 * (c * N + c) + 1];
    const nr = dr * pr - di * pi; di = dr * pi + di * pr; dr = nr;
    const inv = 1 / (pr * pr + pi * pi);
    const ir = pr * inv, ii = -pi * inv;
    for (let r = c + 1; r < N; r++) {
      const xr = m[2 * (r * N + c)], xi = m[2 * (r * N + c) + 1];
      const fr = xr * ir - xi * ii, fi = xr * ii + xi * ir;
      for (let j = c + 1; j < N; j++) {
        const u = 2 * (c * N + j), v = 2 * (r * N + j);
        m[v] -= fr * m[u] - fi * m[u + 1];
        m[v + 1] -= fr * m[u + 1] + fi * m[u];
      }
    }
  }
  return { re: dr, im: di };
}

/**
 * Project to SU(N) in place: Gram–Schmidt on the rows (two passes, so the result is unitary to rounding
 * even for a noticeably non-unitary input), then multiply by e^{−i arg(det)/N} so det = 1.
 */
export function reunitarize(a: F64, ao: number, N: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < N; i++) {
      const ri = ao + 2 * i * N;
      for (let k = 0; k < i; k++) {
        const rk = ao + 2 * k * N;
        // c = <row_k, row_i> = Σ conj(r_k) r_i
        let cr = 0, ci = 0;
        for (let j = 0; j < N; j++) {
          const kr = a[rk + 2 * j], ki = a[rk + 2 * j + 1], xr = a[ri + 2 * j], xi = a[ri + 2 * j + 1];
          cr += kr * xr + ki * xi;
          ci += kr * xi - ki * xr;
        }
        for (let j = 0; j < N; j++) {
          const kr = a[rk + 2 * j], ki = a[rk + 2 * j + 1];
          a[ri + 2 * j] -= cr * kr - ci * ki;
          a[ri + 2 * j + 1] -= cr * ki + ci * kr;
        }
      }
      let n = 0;
      for (let j = 0; j < 2 * N; j++) n += a[ri + j] * a[ri + j];
      if (!(n > 0)) throw new Error('reunitarize: matrix is singular (zero row after orthogonalisation)');
      const s = 1 / Math.sqrt(n);
      for (let j = 0; j < 2 * N; j++) a[ri + j] *= s;
    }
  }
  const d = det(a, ao, N);
  const phi = -Math.atan2(d.im, d.re) / N;
  const c = Math.cos(phi), s = Math.sin(phi);
  const n2 = 2 * N * N;
  for (let k = 0; k < n2; k += 2) {
    const xr = a[ao + k], xi = a[ao + k + 1];
    a[ao + k] = xr * c - xi * s;
    a[ao + k + 1] = xr * s + xi * c;
  }
}

/** Traceless anti-Hermitian part: (A − A†)/2 − tr(A − A†)/(2N) · 1. In place allowed (out === a, oo === ao). */
export function projectTAH(a: F64, ao: number, out: F64, oo: number, N: number): void {
  let mean = 0;
  for (let i = 0; i < N; i++) mean += a[ao + 2 * (i * N + i) + 1];
  mean /= N;
  for (let i = 0; i < N; i++) {
    const d = 2 * (i * N + i);
    const im = a[ao + d + 1];
    out[oo + d] = 0;
    out[oo + d + 1] = im - mean;
    for (let j = i + 1; j < N; j++) {
      const ij = 2 * (i * N + j), ji = 2 * (j * N + i);
      const xr = a[ao + ij], xi = a[ao + ij + 1], yr = a[ao + ji], yi = a[ao + ji + 1];
      const zr = 0.5 * (xr - yr), zi = 0.5 * (xi + yi);
      out[oo + ij] = zr; out[oo + ij + 1] = zi;
      out[oo + ji] = -zr; out[oo + ji + 1] = zi;
    }
  }
}

/** max_ij |(A A†)_ij − δ_ij| */
export function unitarityError(a: F64, ao: number, N: number): number {
  let err = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        const x = ao + 2 * (i * N + k), y = ao + 2 * (j * N + k);
        sr += a[x] * a[y] + a[x + 1] * a[y + 1];
        si += a[x + 1] * a[y] - a[x] * a[y + 1];
      }
      err = Math.max(err, Math.hypot(sr - (i === j ? 1 : 0), si));
    }
  }
  return err;
}

/** |det A − 1| + unitarity error: how far A is from SU(N). */
export function sunError(a: F64, ao: number, N: number): number {
  const d = det(a, ao, N);
  return unitarityError(a, ao, N) + Math.hypot(d.re - 1, d.im);
}

let expY: F64 = new Float64Array(0), expR: F64 = new Float64Array(0), expT: F64 = new Float64Array(0);

/**
 * out = exp(A) for traceless anti-Hermitian A. SU(2): closed form cos θ + (sin θ/θ) A with θ² = −A².
 * N ≥ 3 with ‖A‖_F > 2: through the eigen-decomposition of the normal matrix A. SU(3) with 1e-3 < ‖A‖_F ≤ 2:
 * Cayley–Hamilton closed form (Morningstar–Peardon). Otherwise a Taylor series (Horner) truncated below
 * 1e-18, after scaling to ‖A/2^s‖_F ≤ 1/2 (s ≤ 2) and squaring back. Unitarity to ~1e-14 at any norm;
 * |det − 1| ≲ N·ε·‖A‖ (the phases themselves carry that much rounding).
 */
export function expTAH(a: F64, ao: number, out: F64, oo: number, N: number): void {
  if (N === 2) {
    const xr = a[ao], xi = a[ao + 1], br = a[ao + 2], bi = a[ao + 3];
    const cr = a[ao + 4], ci = a[ao + 5], yr = a[ao + 6], yi = a[ao + 7];
    // For A ∈ su(2), A² = −θ²·1 with θ² = |A|_F² / 2.
    const t2 = 0.5 * (xr * xr + xi * xi + br * br + bi * bi + cr * cr + ci * ci + yr * yr + yi * yi);
    const t = Math.sqrt(t2);
    const c = Math.cos(t);
    const s = t < 1e-4 ? 1 - t2 / 6 + (t2 * t2) / 120 : Math.sin(t) / t;
    out[oo] = c + s * xr; out[oo + 1] = s * xi;
    out[oo + 2] = s * br; out[oo + 3] = s * bi;
    out[oo + 4] = s * cr; out[oo + 5] = s * ci;
    out[oo + 6] = c + s * yr; out[oo + 7] = s * yi;
    return;
  }
  let n2 = 0;
  for (let k = 0, e = 2 * N * N; k < e; k++) n2 += a[ao + k] * a[ao + k];
  // ‖A‖_F > 2: squaring (or, for SU(3), the cancelling O(u²) terms of the closed form) would cost unitarity
  // digits; diagonalising the normal matrix A = V diag(iλ) V† keeps exp(A) = V diag(e^{iλ}) V† unitary to
  // rounding at any norm. HMC steps are far below this threshold.
  if (n2 > 4) return expByEigen(a, ao, out, oo, N);
  // Near 0 the Cayley–Hamilton coefficients lose relative accuracy (denominator ∝ ‖A‖²); Taylor is cheap there.
  if (N === 3 && n2 > 1e-6) return expSU3(a, ao, out, oo);
  expGeneral(a, ao, out, oo, N);
}

let xev: F64 = new Float64Array(0), xph: F64 = new Float64Array(0), xvec: F64 = new Float64Array(0);

function expByEigen(a: F64, ao: number, out: F64, oo: number, N: number): void {
  xev = scratch(xev, 2 * N); xph = scratch(xph, N); xvec = scratch(xvec, 2 * N * N);
  eigNormal(a, ao, N, xev, 0, xvec, 0);
  for (let k = 0; k < N; k++) xph[k] = xev[2 * k + 1];
  fromEigen(xph, 0, xvec, 0, out, oo, N);
}

const q2 = new Float64Array(18), qh = new Float64Array(18);

/**
 * exp(iQ), Q = −iA Hermitian traceless, by Cayley–Hamilton: exp(iQ) = f0 + f1 Q + f2 Q² with the
 * coefficients of Morningstar & Peardon, Phys. Rev. D 69 (2004) 054501, eqs. (23)–(34).
 */
function expSU3(a: F64, ao: number, out: F64, oo: number): void {
  for (let k = 0; k < 18; k += 2) { qh[k] = a[ao + k + 1]; qh[k + 1] = -a[ao + k]; }
  mul3(qh, 0, qh, 0, q2, 0);
  const c1 = 0.5 * (q2[0] + q2[8] + q2[16]);
  // c0 = det Q = tr(Q³)/3 = (1/3) Σ_ij Re(Q²_ij Q_ji)
  let t3 = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    const x = 2 * (3 * i + j), y = 2 * (3 * j + i);
    t3 += q2[x] * qh[y] - q2[x + 1] * qh[y + 1];
  }
  let c0 = t3 / 3;
  const neg = c0 < 0;
  if (neg) c0 = -c0;
  const c0max = 2 * Math.pow(c1 / 3, 1.5);
  const theta = Math.acos(Math.min(1, c0 / c0max));
  const u = Math.sqrt(c1 / 3) * Math.cos(theta / 3);
  const w = Math.sqrt(c1) * Math.sin(theta / 3);
  const u2 = u * u, w2 = w * w;
  const xi0 = Math.abs(w) < 0.05 ? 1 - (w2 / 6) * (1 - (w2 / 20) * (1 - w2 / 42)) : Math.sin(w) / w;
  const cw = Math.cos(w);
  const c2u = Math.cos(2 * u), s2u = Math.sin(2 * u), cu = Math.cos(u), su = -Math.sin(u); // e^{2iu}, e^{−iu}
  // h0 = (u² − w²) e^{2iu} + e^{−iu} [8u² cos w + 2iu(3u² + w²) ξ0]
  let br = 8 * u2 * cw, bi = 2 * u * (3 * u2 + w2) * xi0;
  let h0r = (u2 - w2) * c2u + (cu * br - su * bi), h0i = (u2 - w2) * s2u + (cu * bi + su * br);
  // h1 = 2u e^{2iu} − e^{−iu} [2u cos w − i(3u² − w²) ξ0]
  br = 2 * u * cw; bi = -(3 * u2 - w2) * xi0;
  let h1r = 2 * u * c2u - (cu * br - su * bi), h1i = 2 * u * s2u - (cu * bi + su * br);
  // h2 = e^{2iu} − e^{−iu} [cos w + 3iu ξ0]
  br = cw; bi = 3 * u * xi0;
  let h2r = c2u - (cu * br - su * bi), h2i = s2u - (cu * bi + su * br);
  const den = 1 / (9 * u2 - w2);
  h0r *= den; h0i *= den; h1r *= den; h1i *= den; h2r *= den; h2i *= den;
  // c0 < 0: f_j(−c0) = (−1)^j conj f_j(c0)
  if (neg) { h0i = -h0i; h1r = -h1r; h2i = -h2i; }
  for (let k = 0; k < 18; k += 2) {
    const qr = qh[k], qi = qh[k + 1], pr = q2[k], pi = q2[k + 1];
    out[oo + k] = h1r * qr - h1i * qi + h2r * pr - h2i * pi;
    out[oo + k + 1] = h1r * qi + h1i * qr + h2r * pi + h2i * pr;
  }
  out[oo] += h0r; out[oo + 1] += h0i;
  out[oo + 8] += h0r; out[oo + 9] += h0i;
  out[oo + 16] += h0r; out[oo + 17] += h0i;
}

function expGeneral(a: F64, ao: number, out: F64, oo: number, N: number): void {
  const n2 = 2 * N * N;
  expY = scratch(expY, n2); expR = scratch(expR, n2); expT = scratch(expT, n2);
  const Y = expY, T = expT;
  let R = expR;
  let nrm = 0;
  for (let k = 0; k < n2; k++) nrm += a[ao + k] * a[ao + k];
  nrm = Math.sqrt(nrm);
  let s = 0;
  while (nrm / 2 ** s > 0.5) s++;
  const scale = 1 / 2 ** s;
  for (let k = 0; k < n2; k++) Y[k] = a[ao + k] * scale;
  const y = nrm * scale;
  // Smallest m with y^m/m! < 1e-18 (the Taylor remainder bound for y ≤ 1/2 is within a factor 2).
  let m = 1, term = y;
  while (term > 1e-18 && m < 30) { m++; term *= y / m; }
  // Horner: R = I + Y/m; R ← I + Y R / k for k = m−1 … 1.
  for (let k = 0; k < n2; k++) R[k] = Y[k] / m;
  for (let i = 0; i < N; i++) R[2 * (i * N + i)] += 1;
  for (let k = m - 1; k >= 1; k--) {
    mul(Y, 0, R, 0, T, 0, N);
    const inv = 1 / k;
    for (let q = 0; q < n2; q++) R[q] = T[q] * inv;
    for (let i = 0; i < N; i++) R[2 * (i * N + i)] += 1;
  }
  for (let q = 0; q < s; q++) {
    mul(R, 0, R, 0, T, 0, N);
    for (let k = 0; k < n2; k++) R[k] = T[k];
  }
  for (let k = 0; k < n2; k++) out[oo + k] = R[k];
}

let eigH: F64 = new Float64Array(0), eigQ: F64 = new Float64Array(0), eigV: F64 = new Float64Array(0), eigCS: F64 = new Float64Array(0);

/**
 * Eigen-decomposition of a unitary (more generally normal) matrix: U = V diag(e^{iφ}) V† with V unitary.
 * Writes φ_k ∈ (−π, π] to phases[po+k] and V (row-major, column k = eigenvector k) to vecs at vo.
 * Method (schurNormal): Householder reduction to Hessenberg form, then complex shifted QR (Wilkinson
 * shifts, exceptional shifts against stagnation) applied to the whole matrix, so the accumulated Q is the
 * Schur basis; for a normal matrix the Schur form is diagonal, hence Q holds orthonormal eigenvectors —
 * also for exactly or nearly degenerate eigenvalues, where any orthonormal basis of the eigenspace is returned.
 */
export function eigUnitary(a: F64, ao: number, N: number, phases: F64, po: number, vecs: F64, vo: number): void {
  schurNormal(a, ao, N);
  const H = eigH, n2 = 2 * N * N;
  for (let k = 0; k < N; k++) {
    const p = Math.atan2(H[2 * (k * N + k) + 1], H[2 * (k * N + k)]);
    phases[po + k] = p === -Math.PI ? Math.PI : p;
  }
  for (let k = 0; k < n2; k++) vecs[vo + k] = eigQ[k];
}

/**
 * Eigen-decomposition of any normal matrix (unitary, Hermitian, anti-Hermitian): A = V diag(λ) V†, V unitary.
 * Complex eigenvalues go to evals (re, im interleaved) at eo, V to vecs at vo.
 */
export function eigNormal(a: F64, ao: number, N: number, evals: F64, eo: number, vecs: F64, vo: number): void {
  schurNormal(a, ao, N);
  const H = eigH, n2 = 2 * N * N;
  for (let k = 0; k < N; k++) { evals[eo + 2 * k] = H[2 * (k * N + k)]; evals[eo + 2 * k + 1] = H[2 * (k * N + k) + 1]; }
  for (let k = 0; k < n2; k++) vecs[vo + k] = eigQ[k];
}

/** Complex Schur form of A left in eigH (upper triangular; diagonal for normal A) with its basis in eigQ. */
function schurNormal(a: F64, ao: number, N: number): void {
  const n2 = 2 * N * N;
  eigH = scratch(eigH, n2); eigQ = scratch(eigQ, n2); eigV = scratch(eigV, 2 * N); eigCS = scratch(eigCS, 4 * N);
  const H = eigH, Q = eigQ, v = eigV, cs = eigCS;
  for (let k = 0; k < n2; k++) H[k] = a[ao + k];
  setIdentity(Q, 0, N);
  const ix = (i: number, j: number) => 2 * (i * N + j);

  // Householder reduction to upper Hessenberg: H ← P H P, Q ← Q P with P = I − 2 v v†.
  for (let k = 0; k < N - 2; k++) {
    let alpha2 = 0;
    for (let i = k + 1; i < N; i++) alpha2 += H[ix(i, k)] ** 2 + H[ix(i, k) + 1] ** 2;
    const sub = alpha2 - (H[ix(k + 1, k)] ** 2 + H[ix(k + 1, k) + 1] ** 2);
    if (sub <= 1e-300) continue; // already Hessenberg in this column
    const alpha = Math.sqrt(alpha2);
    const x0r = H[ix(k + 1, k)], x0i = H[ix(k + 1, k) + 1];
    const x0 = Math.hypot(x0r, x0i);
    const pr = x0 > 0 ? x0r / x0 : 1, pi = x0 > 0 ? x0i / x0 : 0;
    // v = x + e^{i arg x0} ‖x‖ e1 (the sign avoids cancellation)
    for (let i = k + 1; i < N; i++) { v[2 * i] = H[ix(i, k)]; v[2 * i + 1] = H[ix(i, k) + 1]; }
    v[2 * (k + 1)] += pr * alpha; v[2 * (k + 1) + 1] += pi * alpha;
    let vn = 0;
    for (let i = k + 1; i < N; i++) vn += v[2 * i] ** 2 + v[2 * i + 1] ** 2;
    const vs = 1 / Math.sqrt(vn);
    for (let i = k + 1; i < N; i++) { v[2 * i] *= vs; v[2 * i + 1] *= vs; }
    // H ← (I − 2vv†) H : for each column j, w = v† H[:,j], H[:,j] −= 2 v w
    for (let j = 0; j < N; j++) {
      let wr = 0, wi = 0;
      for (let i = k + 1; i < N; i++) {
        const hr = H[ix(i, j)], hi = H[ix(i, j) + 1];
        wr += v[2 * i] * hr + v[2 * i + 1] * hi;
        wi += v[2 * i] * hi - v[2 * i + 1] * hr;
      }
      for (let i = k + 1; i < N; i++) {
        H[ix(i, j)] -= 2 * (v[2 * i] * wr - v[2 * i + 1] * wi);
        H[ix(i, j) + 1] -= 2 * (v[2 * i] * wi + v[2 * i + 1] * wr);
      }
    }
    // H ← H (I − 2vv†), Q ← Q (I − 2vv†): for each row i, w = H[i,:] v, H[i,:] −= 2 w v†
    for (let which = 0; which < 2; which++) {
      const M = which === 0 ? H : Q;
      for (let i = 0; i < N; i++) {
        let wr = 0, wi = 0;
        for (let j = k + 1; j < N; j++) {
          const hr = M[ix(i, j)], hi = M[ix(i, j) + 1];
          wr += hr * v[2 * j] - hi * v[2 * j + 1];
          wi += hr * v[2 * j + 1] + hi * v[2 * j];
        }
        for (let j = k + 1; j < N; j++) {
          // w · conj(v_j)
          M[ix(i, j)] -= 2 * (wr * v[2 * j] + wi * v[2 * j + 1]);
          M[ix(i, j) + 1] -= 2 * (wi * v[2 * j] - wr * v[2 * j + 1]);
        }
      }
    }
    for (let i = k + 2; i < N; i++) { H[ix(i, k)] = 0; H[ix(i, k) + 1] = 0; }
  }

  // Shifted QR on the active block [lo, hi]; rotations act on full rows/columns so Q stays the Schur basis.
  const EPS = 2.220446049250313e-16;
  let hi = N - 1, iter = 0, total = 0;
  while (hi > 0) {
    let l = hi;
    for (; l > 0; l--) {
      const sr = H[ix(l, l - 1)], si = H[ix(l, l - 1) + 1];
      const scale = Math.hypot(H[ix(l - 1, l - 1)], H[ix(l - 1, l - 1) + 1]) + Math.hypot(H[ix(l, l)], H[ix(l, l) + 1]);
      if (Math.hypot(sr, si) <= EPS * (scale > 0 ? scale : 1)) { H[ix(l, l - 1)] = 0; H[ix(l, l - 1) + 1] = 0; break; }
    }
    if (l === hi) { hi--; iter = 0; continue; }
    iter++; total++;
    if (total > 100 * N) throw new Error(`eigUnitary/eigNormal: QR iteration did not converge for N=${N}`);
    // Wilkinson shift: eigenvalue of the trailing 2×2 closer to H[hi][hi].
    let mur: number, mui: number;
    const ar = H[ix(hi - 1, hi - 1)], ai = H[ix(hi - 1, hi - 1) + 1];
    const br = H[ix(hi - 1, hi)], bi = H[ix(hi - 1, hi) + 1];
    const cr = H[ix(hi, hi - 1)], ci = H[ix(hi, hi - 1) + 1];
    const dr = H[ix(hi, hi)], di = H[ix(hi, hi) + 1];
    if (iter % 10 === 0) {
      // Exceptional shift breaks cycles (e.g. permutation matrices, where the Wilkinson shift stalls).
      const mag = Math.hypot(cr, ci);
      mur = dr + 0.75 * mag; mui = di - 0.43 * mag;
    } else {
      const hr = 0.5 * (ar - dr), hi_ = 0.5 * (ai - di);
      // disc = sqrt(h² + bc)
      const qr = hr * hr - hi_ * hi_ + (br * cr - bi * ci), qi = 2 * hr * hi_ + (br * ci + bi * cr);
      const qm = Math.hypot(qr, qi);
      let sr = Math.sqrt(0.5 * (qm + qr)), si = Math.sqrt(Math.max(0, 0.5 * (qm - qr)));
      if (qi < 0) si = -si;
      // choose sign so that mu = (a+d)/2 ± disc is closer to d, i.e. ± disc closer to −h
      if (hr * sr + hi_ * si > 0) { sr = -sr; si = -si; }
      mur = 0.5 * (ar + dr) + sr; mui = 0.5 * (ai + di) + si;
    }
    for (let i = l; i <= hi; i++) { H[ix(i, i)] -= mur; H[ix(i, i) + 1] -= mui; }
    // R = G_{hi−1} … G_l (H − μ)
    for (let k = l; k < hi; k++) {
      const xr = H[ix(k, k)], xi = H[ix(k, k) + 1], yr = H[ix(k + 1, k)], yi = H[ix(k + 1, k) + 1];
      const r = Math.hypot(Math.hypot(xr, xi), Math.hypot(yr, yi));
      let c_r = 1, c_i = 0, s_r = 0, s_i = 0;
      if (r > 0) { c_r = xr / r; c_i = xi / r; s_r = yr / r; s_i = yi / r; }
      cs[4 * k] = c_r; cs[4 * k + 1] = c_i; cs[4 * k + 2] = s_r; cs[4 * k + 3] = s_i;
      // rows k, k+1 ← [[c̄, s̄], [−s, c]] · rows
      for (let j = 0; j < N; j++) {
        const pr = H[ix(k, j)], pi = H[ix(k, j) + 1], qr = H[ix(k + 1, j)], qi = H[ix(k + 1, j) + 1];
        H[ix(k, j)] = c_r * pr + c_i * pi + s_r * qr + s_i * qi;
        H[ix(k, j) + 1] = c_r * pi - c_i * pr + s_r * qi - s_i * qr;
        H[ix(k + 1, j)] = -(s_r * pr - s_i * pi) + (c_r * qr - c_i * qi);
        H[ix(k + 1, j) + 1] = -(s_r * pi + s_i * pr) + (c_r * qi + c_i * qr);
      }
    }
    // H ← R G_l† … G_{hi−1}†, Q likewise: columns k, k+1 ← [col_k c + col_{k+1} s, −col_k s̄ + col_{k+1} c̄]
    for (let k = l; k < hi; k++) {
      const c_r = cs[4 * k], c_i = cs[4 * k + 1], s_r = cs[4 * k + 2], s_i = cs[4 * k + 3];
      for (let which = 0; which < 2; which++) {
        const M = which === 0 ? H : Q;
        for (let i = 0; i < N; i++) {
          const pr = M[ix(i, k)], pi = M[ix(i, k) + 1], qr = M[ix(i, k + 1)], qi = M[ix(i, k + 1) + 1];
          M[ix(i, k)] = pr * c_r - pi * c_i + qr * s_r - qi * s_i;
          M[ix(i, k) + 1] = pr * c_i + pi * c_r + qr * s_i + qi * s_r;
          M[ix(i, k + 1)] = -(pr * s_r + pi * s_i) + (qr * c_r + qi * c_i);
          M[ix(i, k + 1) + 1] = -(pi * s_r - pr * s_i) + (qi * c_r - qr * c_i);
        }
      }
    }
    for (let i = l; i <= hi; i++) { H[ix(i, i)] += mur; H[ix(i, i) + 1] += mui; }
  }
}

/** out = V diag(e^{iφ}) V† (the inverse of eigUnitary). */
export function fromEigen(phases: F64, po: number, vecs: F64, vo: number, out: F64, oo: number, N: number): void {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let sr = 0, si = 0;
      for (let k = 0; k < N; k++) {
        const c = Math.cos(phases[po + k]), s = Math.sin(phases[po + k]);
        const x = vo + 2 * (i * N + k), y = vo + 2 * (j * N + k);
        const vr = vecs[x], vi = vecs[x + 1];
        const er = vr * c - vi * s, ei = vr * s + vi * c; // V_ik e^{iφ_k}
        const wr = vecs[y], wi = -vecs[y + 1]; // conj(V_jk)
        sr += er * wr - ei * wi;
        si += er * wi + ei * wr;
      }
      out[oo + 2 * (i * N + j)] = sr;
      out[oo + 2 * (i * N + j) + 1] = si;
    }
  }
}

// ---- N = 2, 3 unrolled products (the SU(2)/SU(3) force and action spend their time here) ----

function mul2(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const a0 = a[ao], a1 = a[ao + 1], a2 = a[ao + 2], a3 = a[ao + 3], a4 = a[ao + 4], a5 = a[ao + 5], a6 = a[ao + 6], a7 = a[ao + 7];
  const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3], b4 = b[bo + 4], b5 = b[bo + 5], b6 = b[bo + 6], b7 = b[bo + 7];
  o[oo] = a0 * b0 - a1 * b1 + a2 * b4 - a3 * b5;
  o[oo + 1] = a0 * b1 + a1 * b0 + a2 * b5 + a3 * b4;
  o[oo + 2] = a0 * b2 - a1 * b3 + a2 * b6 - a3 * b7;
  o[oo + 3] = a0 * b3 + a1 * b2 + a2 * b7 + a3 * b6;
  o[oo + 4] = a4 * b0 - a5 * b1 + a6 * b4 - a7 * b5;
  o[oo + 5] = a4 * b1 + a5 * b0 + a6 * b5 + a7 * b4;
  o[oo + 6] = a4 * b2 - a5 * b3 + a6 * b6 - a7 * b7;
  o[oo + 7] = a4 * b3 + a5 * b2 + a6 * b7 + a7 * b6;
}

function mulAdjB2(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const a0 = a[ao], a1 = a[ao + 1], a2 = a[ao + 2], a3 = a[ao + 3], a4 = a[ao + 4], a5 = a[ao + 5], a6 = a[ao + 6], a7 = a[ao + 7];
  const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3], b4 = b[bo + 4], b5 = b[bo + 5], b6 = b[bo + 6], b7 = b[bo + 7];
  // (AB†)_ij = Σ_k a_ik conj(b_jk)
  o[oo] = a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3;
  o[oo + 1] = a1 * b0 - a0 * b1 + a3 * b2 - a2 * b3;
  o[oo + 2] = a0 * b4 + a1 * b5 + a2 * b6 + a3 * b7;
  o[oo + 3] = a1 * b4 - a0 * b5 + a3 * b6 - a2 * b7;
  o[oo + 4] = a4 * b0 + a5 * b1 + a6 * b2 + a7 * b3;
  o[oo + 5] = a5 * b0 - a4 * b1 + a7 * b2 - a6 * b3;
  o[oo + 6] = a4 * b4 + a5 * b5 + a6 * b6 + a7 * b7;
  o[oo + 7] = a5 * b4 - a4 * b5 + a7 * b6 - a6 * b7;
}

function mulAdjA2(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const a0 = a[ao], a1 = a[ao + 1], a2 = a[ao + 2], a3 = a[ao + 3], a4 = a[ao + 4], a5 = a[ao + 5], a6 = a[ao + 6], a7 = a[ao + 7];
  const b0 = b[bo], b1 = b[bo + 1], b2 = b[bo + 2], b3 = b[bo + 3], b4 = b[bo + 4], b5 = b[bo + 5], b6 = b[bo + 6], b7 = b[bo + 7];
  // (A†B)_ij = Σ_k conj(a_ki) b_kj
  o[oo] = a0 * b0 + a1 * b1 + a4 * b4 + a5 * b5;
  o[oo + 1] = a0 * b1 - a1 * b0 + a4 * b5 - a5 * b4;
  o[oo + 2] = a0 * b2 + a1 * b3 + a4 * b6 + a5 * b7;
  o[oo + 3] = a0 * b3 - a1 * b2 + a4 * b7 - a5 * b6;
  o[oo + 4] = a2 * b0 + a3 * b1 + a6 * b4 + a7 * b5;
  o[oo + 5] = a2 * b1 - a3 * b0 + a6 * b5 - a7 * b4;
  o[oo + 6] = a2 * b2 + a3 * b3 + a6 * b6 + a7 * b7;
  o[oo + 7] = a2 * b3 - a3 * b2 + a6 * b7 - a7 * b6;
}

/** AB, fully unrolled */
function mul3(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const ar00 = a[ao], ai00 = a[ao + 1], ar01 = a[ao + 2], ai01 = a[ao + 3], ar02 = a[ao + 4], ai02 = a[ao + 5];
  const ar10 = a[ao + 6], ai10 = a[ao + 7], ar11 = a[ao + 8], ai11 = a[ao + 9], ar12 = a[ao + 10], ai12 = a[ao + 11];
  const ar20 = a[ao + 12], ai20 = a[ao + 13], ar21 = a[ao + 14], ai21 = a[ao + 15], ar22 = a[ao + 16], ai22 = a[ao + 17];
  const br00 = b[bo], bi00 = b[bo + 1], br01 = b[bo + 2], bi01 = b[bo + 3], br02 = b[bo + 4], bi02 = b[bo + 5];
  const br10 = b[bo + 6], bi10 = b[bo + 7], br11 = b[bo + 8], bi11 = b[bo + 9], br12 = b[bo + 10], bi12 = b[bo + 11];
  const br20 = b[bo + 12], bi20 = b[bo + 13], br21 = b[bo + 14], bi21 = b[bo + 15], br22 = b[bo + 16], bi22 = b[bo + 17];
  o[oo] = ar00 * br00 - ai00 * bi00 + ar01 * br10 - ai01 * bi10 + ar02 * br20 - ai02 * bi20;
  o[oo + 1] = ar00 * bi00 + ai00 * br00 + ar01 * bi10 + ai01 * br10 + ar02 * bi20 + ai02 * br20;
  o[oo + 2] = ar00 * br01 - ai00 * bi01 + ar01 * br11 - ai01 * bi11 + ar02 * br21 - ai02 * bi21;
  o[oo + 3] = ar00 * bi01 + ai00 * br01 + ar01 * bi11 + ai01 * br11 + ar02 * bi21 + ai02 * br21;
  o[oo + 4] = ar00 * br02 - ai00 * bi02 + ar01 * br12 - ai01 * bi12 + ar02 * br22 - ai02 * bi22;
  o[oo + 5] = ar00 * bi02 + ai00 * br02 + ar01 * bi12 + ai01 * br12 + ar02 * bi22 + ai02 * br22;
  o[oo + 6] = ar10 * br00 - ai10 * bi00 + ar11 * br10 - ai11 * bi10 + ar12 * br20 - ai12 * bi20;
  o[oo + 7] = ar10 * bi00 + ai10 * br00 + ar11 * bi10 + ai11 * br10 + ar12 * bi20 + ai12 * br20;
  o[oo + 8] = ar10 * br01 - ai10 * bi01 + ar11 * br11 - ai11 * bi11 + ar12 * br21 - ai12 * bi21;
  o[oo + 9] = ar10 * bi01 + ai10 * br01 + ar11 * bi11 + ai11 * br11 + ar12 * bi21 + ai12 * br21;
  o[oo + 10] = ar10 * br02 - ai10 * bi02 + ar11 * br12 - ai11 * bi12 + ar12 * br22 - ai12 * bi22;
  o[oo + 11] = ar10 * bi02 + ai10 * br02 + ar11 * bi12 + ai11 * br12 + ar12 * bi22 + ai12 * br22;
  o[oo + 12] = ar20 * br00 - ai20 * bi00 + ar21 * br10 - ai21 * bi10 + ar22 * br20 - ai22 * bi20;
  o[oo + 13] = ar20 * bi00 + ai20 * br00 + ar21 * bi10 + ai21 * br10 + ar22 * bi20 + ai22 * br20;
  o[oo + 14] = ar20 * br01 - ai20 * bi01 + ar21 * br11 - ai21 * bi11 + ar22 * br21 - ai22 * bi21;
  o[oo + 15] = ar20 * bi01 + ai20 * br01 + ar21 * bi11 + ai21 * br11 + ar22 * bi21 + ai22 * br21;
  o[oo + 16] = ar20 * br02 - ai20 * bi02 + ar21 * br12 - ai21 * bi12 + ar22 * br22 - ai22 * bi22;
  o[oo + 17] = ar20 * bi02 + ai20 * br02 + ar21 * bi12 + ai21 * br12 + ar22 * bi22 + ai22 * br22;
}

/** AB†, fully unrolled */
function mulAdjB3(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const ar00 = a[ao], ai00 = a[ao + 1], ar01 = a[ao + 2], ai01 = a[ao + 3], ar02 = a[ao + 4], ai02 = a[ao + 5];
  const ar10 = a[ao + 6], ai10 = a[ao + 7], ar11 = a[ao + 8], ai11 = a[ao + 9], ar12 = a[ao + 10], ai12 = a[ao + 11];
  const ar20 = a[ao + 12], ai20 = a[ao + 13], ar21 = a[ao + 14], ai21 = a[ao + 15], ar22 = a[ao + 16], ai22 = a[ao + 17];
  const br00 = b[bo], bi00 = b[bo + 1], br01 = b[bo + 2], bi01 = b[bo + 3], br02 = b[bo + 4], bi02 = b[bo + 5];
  const br10 = b[bo + 6], bi10 = b[bo + 7], br11 = b[bo + 8], bi11 = b[bo + 9], br12 = b[bo + 10], bi12 = b[bo + 11];
  const br20 = b[bo + 12], bi20 = b[bo + 13], br21 = b[bo + 14], bi21 = b[bo + 15], br22 = b[bo + 16], bi22 = b[bo + 17];
  o[oo] = ar00 * br00 + ai00 * bi00 + ar01 * br01 + ai01 * bi01 + ar02 * br02 + ai02 * bi02;
  o[oo + 1] = -ar00 * bi00 + ai00 * br00 - ar01 * bi01 + ai01 * br01 - ar02 * bi02 + ai02 * br02;
  o[oo + 2] = ar00 * br10 + ai00 * bi10 + ar01 * br11 + ai01 * bi11 + ar02 * br12 + ai02 * bi12;
  o[oo + 3] = -ar00 * bi10 + ai00 * br10 - ar01 * bi11 + ai01 * br11 - ar02 * bi12 + ai02 * br12;
  o[oo + 4] = ar00 * br20 + ai00 * bi20 + ar01 * br21 + ai01 * bi21 + ar02 * br22 + ai02 * bi22;
  o[oo + 5] = -ar00 * bi20 + ai00 * br20 - ar01 * bi21 + ai01 * br21 - ar02 * bi22 + ai02 * br22;
  o[oo + 6] = ar10 * br00 + ai10 * bi00 + ar11 * br01 + ai11 * bi01 + ar12 * br02 + ai12 * bi02;
  o[oo + 7] = -ar10 * bi00 + ai10 * br00 - ar11 * bi01 + ai11 * br01 - ar12 * bi02 + ai12 * br02;
  o[oo + 8] = ar10 * br10 + ai10 * bi10 + ar11 * br11 + ai11 * bi11 + ar12 * br12 + ai12 * bi12;
  o[oo + 9] = -ar10 * bi10 + ai10 * br10 - ar11 * bi11 + ai11 * br11 - ar12 * bi12 + ai12 * br12;
  o[oo + 10] = ar10 * br20 + ai10 * bi20 + ar11 * br21 + ai11 * bi21 + ar12 * br22 + ai12 * bi22;
  o[oo + 11] = -ar10 * bi20 + ai10 * br20 - ar11 * bi21 + ai11 * br21 - ar12 * bi22 + ai12 * br22;
  o[oo + 12] = ar20 * br00 + ai20 * bi00 + ar21 * br01 + ai21 * bi01 + ar22 * br02 + ai22 * bi02;
  o[oo + 13] = -ar20 * bi00 + ai20 * br00 - ar21 * bi01 + ai21 * br01 - ar22 * bi02 + ai22 * br02;
  o[oo + 14] = ar20 * br10 + ai20 * bi10 + ar21 * br11 + ai21 * bi11 + ar22 * br12 + ai22 * bi12;
  o[oo + 15] = -ar20 * bi10 + ai20 * br10 - ar21 * bi11 + ai21 * br11 - ar22 * bi12 + ai22 * br12;
  o[oo + 16] = ar20 * br20 + ai20 * bi20 + ar21 * br21 + ai21 * bi21 + ar22 * br22 + ai22 * bi22;
  o[oo + 17] = -ar20 * bi20 + ai20 * br20 - ar21 * bi21 + ai21 * br21 - ar22 * bi22 + ai22 * br22;
}

/** A†B, fully unrolled */
function mulAdjA3(a: F64, ao: number, b: F64, bo: number, o: F64, oo: number): void {
  const ar00 = a[ao], ai00 = a[ao + 1], ar01 = a[ao + 2], ai01 = a[ao + 3], ar02 = a[ao + 4], ai02 = a[ao + 5];
  const ar10 = a[ao + 6], ai10 = a[ao + 7], ar11 = a[ao + 8], ai11 = a[ao + 9], ar12 = a[ao + 10], ai12 = a[ao + 11];
  const ar20 = a[ao + 12], ai20 = a[ao + 13], ar21 = a[ao + 14], ai21 = a[ao + 15], ar22 = a[ao + 16], ai22 = a[ao + 17];
  const br00 = b[bo], bi00 = b[bo + 1], br01 = b[bo + 2], bi01 = b[bo + 3], br02 = b[bo + 4], bi02 = b[bo + 5];
  const br10 = b[bo + 6], bi10 = b[bo + 7], br11 = b[bo + 8], bi11 = b[bo + 9], br12 = b[bo + 10], bi12 = b[bo + 11];
  const br20 = b[bo + 12], bi20 = b[bo + 13], br21 = b[bo + 14], bi21 = b[bo + 15], br22 = b[bo + 16], bi22 = b[bo + 17];
  o[oo] = ar00 * br00 + ai00 * bi00 + ar10 * br10 + ai10 * bi10 + ar20 * br20 + ai20 * bi20;
  o[oo + 1] = ar00 * bi00 - ai00 * br00 + ar10 * bi10 - ai10 * br10 + ar20 * bi20 - ai20 * br20;
  o[oo + 2] = ar00 * br01 + ai00 * bi01 + ar10 * br11 + ai10 * bi11 + ar20 * br21 + ai20 * bi21;
  o[oo + 3] = ar00 * bi01 - ai00 * br01 + ar10 * bi11 - ai10 * br11 + ar20 * bi21 - ai20 * br21;
  o[oo + 4] = ar00 * br02 + ai00 * bi02 + ar10 * br12 + ai10 * bi12 + ar20 * br22 + ai20 * bi22;
  o[oo + 5] = ar00 * bi02 - ai00 * br02 + ar10 * bi12 - ai10 * br12 + ar20 * bi22 - ai20 * br22;
  o[oo + 6] = ar01 * br00 + ai01 * bi00 + ar11 * br10 + ai11 * bi10 + ar21 * br20 + ai21 * bi20;
  o[oo + 7] = ar01 * bi00 - ai01 * br00 + ar11 * bi10 - ai11 * br10 + ar21 * bi20 - ai21 * br20;
  o[oo + 8] = ar01 * br01 + ai01 * bi01 + ar11 * br11 + ai11 * bi11 + ar21 * br21 + ai21 * bi21;
  o[oo + 9] = ar01 * bi01 - ai01 * br01 + ar11 * bi11 - ai11 * br11 + ar21 * bi21 - ai21 * br21;
  o[oo + 10] = ar01 * br02 + ai01 * bi02 + ar11 * br12 + ai11 * bi12 + ar21 * br22 + ai21 * bi22;
  o[oo + 11] = ar01 * bi02 - ai01 * br02 + ar11 * bi12 - ai11 * br12 + ar21 * bi22 - ai21 * br22;
  o[oo + 12] = ar02 * br00 + ai02 * bi00 + ar12 * br10 + ai12 * bi10 + ar22 * br20 + ai22 * bi20;
  o[oo + 13] = ar02 * bi00 - ai02 * br00 + ar12 * bi10 - ai12 * br10 + ar22 * bi20 - ai22 * br20;
  o[oo + 14] = ar02 * br01 + ai02 * bi01 + ar12 * br11 + ai12 * bi11 + ar22 * br21 + ai22 * bi21;
  o[oo + 15] = ar02 * bi01 - ai02 * br01 + ar12 * bi11 - ai12 * br11 + ar22 * bi21 - ai22 * br21;
  o[oo + 16] = ar02 * br02 + ai02 * bi02 + ar12 * br12 + ai12 * bi12 + ar22 * br22 + ai22 * bi22;
  o[oo + 17] = ar02 * bi02 - ai02 * br02 + ar12 * bi12 - ai12 * br12 + ar22 * bi22 - ai22 * br22;
}
