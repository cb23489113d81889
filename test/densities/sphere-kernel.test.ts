import { test } from 'uvu';
import * as assert from 'uvu/assert';
import seedrandom from 'seedrandom';
import { fitSphereKernel, kernelCovariances, KERNEL_SUPPORT, localSecondMoments, MAX_KERNEL_SD, SphereKernelDensity, tangentBasis } from '../../src/densities/sphere-kernel.ts';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((t) => t / n);
};
const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

function uniformPoints(n: number, r: () => number): number[][] {
  return Array.from({ length: n }, () => {
    const z = 2 * r() - 1;
    const p = 2 * Math.PI * r();
    const s = Math.sqrt(1 - z * z);
    return [s * Math.cos(p), s * Math.sin(p), z];
  });
}

/** Points scattered about the great circle z = 0 between longitudes 0 and 1.5 rad, transverse sd s. */
function filament(n: number, s: number, r: () => number): number[][] {
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => {
    const lon = 1.5 * r();
    const lat = s * normal();
    return [Math.cos(lat) * Math.cos(lon), Math.cos(lat) * Math.sin(lon), Math.sin(lat)];
  });
}

test('tangent bases are orthonormal and tangent, also at the poles', () => {
  for (const c of [[0, 0, 1], [0, 0, -1], [1, 0, 0], unit([0.3, -0.5, 0.8]), unit([0.01, 0, 0.99])]) {
    const [e1, e2] = tangentBasis(c);
    for (const [a, b, want] of [[e1, e1, 1], [e2, e2, 1], [e1, e2, 0], [e1, c, 0], [e2, c, 0]] as [number[], number[], number][]) {
      assert.ok(Math.abs(dot(a, b) - want) < 1e-12, `${JSON.stringify(c)}: ${dot(a, b)} vs ${want}`);
    }
  }
});

// An independent check of the area factor r / sin r: integrate one sharp, tilted kernel over a
// latitude–longitude grid (area element cos φ dφ dλ), in coordinates that know nothing of the
// kernel's exponential map. Far from the centre the factor matters: a kernel 0.3 rad wide would be
// off by ≈ 1.5% without it, so a wide kernel is integrated too.
test('one kernel integrates to 1 over S² (latitude–longitude quadrature), sharp and wide, with the r / sin r factor', () => {
  const c = unit([Math.cos(0.4) * Math.cos(1), Math.cos(0.4) * Math.sin(1), Math.sin(0.4)]);
  // (σ₁, σ₂, correlation, grid step): without the factor the wide one integrates to ≈ 1 − E r²/6 ≈ 0.998
  for (const [s1, s2, rho, step] of [
    [0.02, 0.004, 0.6, 0.0004],
    [0.09, 0.06, -0.3, 0.003],
  ]) {
    const cov = Float64Array.of(s1! * s1!, rho! * s1! * s2!, s2! * s2!);
    const k = new SphereKernelDensity([c], cov, 1e-12);
    const lat0 = 0.4;
    // the grid covers the kernel's support: 8 of its largest standard deviations and a margin
    const half = Math.min(KERNEL_SUPPORT, 8 * s1!) + 0.02;
    const dLon = half / Math.cos(lat0 + half);
    const pts: number[][] = [];
    const w: number[] = [];
    for (let la = lat0 - half; la <= lat0 + half; la += step!)
      for (let lo = 1 - dLon; lo <= 1 + dLon; lo += step!) {
        pts.push([Math.cos(la) * Math.cos(lo), Math.cos(la) * Math.sin(lo), Math.sin(la)]);
        w.push(Math.cos(la) * step! * step!);
      }
    const lq = k.logDensity(pts);
    let z = 0;
    lq.forEach((l, i) => (z += Math.exp(l) * w[i]!));
    assert.ok(Math.abs(z - 1) < 2e-4, `σ (${s1}, ${s2}): ∫q = ${z}`);
  }
});

test('a fitted kernel density integrates to 1 on S² (Monte Carlo against the uniform measure, 3 standard errors)', () => {
  const r = seedrandom('kernel-mc');
  const data = [...filament(300, 0.03, r), ...uniformPoints(100, r)];
  const val = [...filament(60, 0.03, r), ...uniformPoints(20, r)];
  const fit = fitSphereKernel(data, val, { minWidth: 0.02 });
  const x = uniformPoints(200000, seedrandom('mc'));
  const q = Array.from(fit.model.logDensity(x), (l) => 4 * Math.PI * Math.exp(l));
  const m = q.reduce((a, b) => a + b, 0) / q.length;
  const se = Math.sqrt(q.reduce((a, b) => a + (b - m) ** 2, 0) / (q.length - 1) / q.length);
  // resolves a 5% error in the normalisation (a missing r / sin r factor on these widths is ≈ 0.1%;
  // the quadrature test above covers that)
  assert.ok(se < 0.015, `standard error ${se}`);
  assert.ok(Math.abs(m - 1) < 3 * se, `∫q = ${m} ± ${se}`);
});

test('samples follow the density: the log-map coordinates of draws from one kernel have covariance Σ', () => {
  const c = unit([0.2, 0.9, -0.4]);
  const cov = Float64Array.of(0.05 ** 2, 0.5 * 0.05 * 0.02, 0.02 ** 2);
  const k = new SphereKernelDensity([c], cov, 1e-9);
  const [e1, e2] = tangentBasis(c);
  const xs = k.sample(40000, seedrandom('draw'));
  let [s11, s12, s22] = [0, 0, 0];
  for (const x of xs) {
    assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-12);
    const rr = Math.acos(Math.min(1, dot(c, x)));
    const p1 = dot(e1, x);
    const p2 = dot(e2, x);
    const s = Math.hypot(p1, p2);
    const [u, v] = [(rr * p1) / s, (rr * p2) / s];
    s11 += u * u;
    s12 += u * v;
    s22 += v * v;
  }
  const n = xs.length;
  // relative standard error of a variance ≈ √(2/n) ≈ 0.7%: 4% is > 5 standard errors
  assert.ok(Math.abs(s11 / n / cov[0]! - 1) < 0.04, `Σ₁₁ ${s11 / n} vs ${cov[0]}`);
  assert.ok(Math.abs(s22 / n / cov[2]! - 1) < 0.04, `Σ₂₂ ${s22 / n} vs ${cov[2]}`);
  assert.ok(Math.abs(s12 / n / cov[1]! - 1) < 0.06, `Σ₁₂ ${s12 / n} vs ${cov[1]}`);
});

test('data along a curve: validation picks stretched kernels, aligned with the curve, and they beat round ones', () => {
  const r = seedrandom('filament');
  // 300 points along 1.5 rad (spacing ≈ 0.005 rad) with a transverse spread of 0.002 rad
  const train = filament(300, 0.002, r);
  const val = filament(200, 0.002, r);
  const fit = fitSphereKernel(train, val);
  assert.ok(fit.choice.neighbours > 0, JSON.stringify(fit.choice));
  // the best round kernel (k = 0) on the same data
  const moments = localSecondMoments(train, [0, fit.choice.neighbours]);
  assert.equal(Array.from(moments.get(0)!.slice(0, 3)), [0, 0, 0]);
  let bestRound = Infinity;
  for (const w of [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1]) {
    const m = new SphereKernelDensity(train, Float64Array.from({ length: 3 * train.length }, (_, i) => (i % 3 === 1 ? 0 : w * w)), 1e-3);
    const l = m.logDensity(val);
    bestRound = Math.min(bestRound, -l.reduce((a, b) => a + b, 0) / l.length);
  }
  assert.ok(fit.valNLL < bestRound - 0.3, `anisotropic ${fit.valNLL} vs round ${bestRound}`);
  // each kernel's long axis points along the filament (east, in the tangent plane at its centre)
  const cov = fit.model.covariances;
  let aligned = 0;
  train.forEach((c, i) => {
    const [a, b, d] = [cov[3 * i]!, cov[3 * i + 1]!, cov[3 * i + 2]!];
    const th = 0.5 * Math.atan2(2 * b, a - d); // angle of the major axis in (e₁, e₂)
    const [e1, e2] = tangentBasis(c);
    const axis = [0, 1, 2].map((j) => Math.cos(th) * e1[j]! + Math.sin(th) * e2[j]!);
    const east = unit([-c[1]!, c[0]!, 0]);
    if (Math.abs(dot(axis, east)) > Math.cos(0.35)) aligned++;
  });
  assert.ok(aligned / train.length > 0.9, `aligned ${aligned} of ${train.length}`);
});

test('density values: one round kernel at its centre is 1/(2π λ²) (times its weight), and nothing beyond the support', () => {
  const c = [0, 0, 1];
  const lam = 0.01;
  const k = new SphereKernelDensity([c], Float64Array.of(lam * lam, 0, lam * lam), 1e-6);
  const [at, far] = k.logDensity([c, [Math.sin(KERNEL_SUPPORT + 0.01), 0, Math.cos(KERNEL_SUPPORT + 0.01)]]);
  assert.ok(Math.abs(at! - Math.log((1 - 1e-6) / (2 * Math.PI * lam * lam) + 1e-6 / (4 * Math.PI))) < 1e-12, `${at}`);
  assert.ok(Math.abs(far! - Math.log(1e-6 / (4 * Math.PI))) < 1e-12, `${far}`);
});

test('density values: the sum over every kernel, computed directly, at points near centres and anywhere, across evaluation chunks', () => {
  // checks the precomputed neighbourhoods (centre-major, nearest first, each kernel stopping at its cut)
  const r = seedrandom('direct-sum');
  const centres = [...uniformPoints(150, r), ...Array.from({ length: 150 }, () => unit([1 + 0.05 * (r() - 0.5), 0.05 * (r() - 0.5), 0.05 * (r() - 0.5)]))];
  const N = centres.length;
  const omega = 0.3;
  const cov = new Float64Array(6 * N);
  for (let i = 0; i < 2 * N; i++) {
    // widths from 0.001 to 0.1 rad, random orientation and elongation
    const [s1, s2] = [10 ** (-3 + 2 * r()), 10 ** (-3 + 2 * r())];
    const th = Math.PI * r();
    const [c, s] = [Math.cos(th), Math.sin(th)];
    cov.set([s1 * s1 * c * c + s2 * s2 * s * s, (s1 * s1 - s2 * s2) * c * s, s1 * s1 * s * s + s2 * s2 * c * c], 3 * i);
  }
  const eps = 1e-3;
  const k = new SphereKernelDensity(centres, cov, eps, [1 - omega, omega]);
  const near = centres.map((c) => unit(c.map((t) => t + 0.02 * (r() - 0.5))));
  const x = [...near, ...uniformPoints(100, r)];
  const got = k.logDensity(x);
  x.forEach((p, q) => {
    let sum = 0;
    for (let i = 0; i < 2 * N; i++) {
      const c = centres[i % N]!;
      const [e1, e2] = tangentBasis(c);
      const [p1, p2] = [dot(e1, p), dot(e2, p)];
      const sr = Math.hypot(p1, p2);
      const rr = Math.atan2(sr, dot(c, p));
      const [u, v] = sr > 0 ? [(rr * p1) / sr, (rr * p2) / sr] : [0, 0];
      const [a, b, d] = [cov[3 * i]!, cov[3 * i + 1]!, cov[3 * i + 2]!];
      const det = a * d - b * b;
      if (u * u + v * v >= 64 * ((a + d) / 2 + Math.hypot((a - d) / 2, b))) continue; // the 8σ₁ cut
      const g = Math.exp(-0.5 * (d * u * u - 2 * b * u * v + a * v * v) / det) / (2 * Math.PI * Math.sqrt(det));
      sum += ((i < N ? 1 - omega : omega) / N) * g * (sr > 0 ? rr / sr : 1);
    }
    const want = Math.log((1 - eps) * sum + eps / (4 * Math.PI));
    assert.ok(Math.abs(got[q]! - want) < 1e-9 * Math.max(1, Math.abs(want)), `${q}: ${got[q]} vs ${want}`);
  });
});

test('kernel covariances: h² M + λ² I with the largest eigenvalue capped at σ_max², eigenvectors kept', () => {
  const th = 0.7;
  const [c, s] = [Math.cos(th), Math.sin(th)];
  // M = R diag(1, 1e-6) Rᵀ: far wider than σ_max along (c, s)
  const M = Float64Array.of(c * c + 1e-6 * s * s, (1 - 1e-6) * c * s, s * s + 1e-6 * c * c);
  const lam = 0.002;
  const [a, b, d] = kernelCovariances(M, 1, lam);
  const tr = a! + d!;
  const det = a! * d! - b! * b!;
  const l1 = tr / 2 + Math.sqrt((tr * tr) / 4 - det);
  const l2 = det / l1;
  assert.ok(Math.abs(l1 - MAX_KERNEL_SD ** 2) < 1e-15, `largest ${l1}`);
  assert.ok(Math.abs(l2 - (1e-6 + lam * lam)) < 1e-12, `smallest ${l2}`);
  // the capped direction is still (c, s): Σ (c, s) = l1 (c, s)
  assert.ok(Math.abs(a! * c + b! * s - l1 * c) < 1e-12 && Math.abs(b! * c + d! * s - l1 * s) < 1e-12);
  // within the cap nothing changes
  const small = Float64Array.of(1e-4, 2e-5, 3e-5);
  assert.equal(Array.from(kernelCovariances(small, 2, lam)), [4e-4 + lam * lam, 8e-5, 1.2e-4 + lam * lam]);
  assert.throws(() => kernelCovariances(small, 1, 0), /width/);
});

/** Tight clusters (sd 0.003 rad) about 40 places, and a tenth of the points spread 0.15 rad about them. */
function clustered(n: number, r: () => number): number[][] {
  const rc = seedrandom('cluster-places');
  const places = Array.from({ length: 40 }, () => unit([1 + 0.6 * (rc() - 0.5), 0.6 * (rc() - 0.5), 0.6 * (rc() - 0.5)]));
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => {
    const p = places[Math.floor(r() * places.length)]!;
    const s = r() < 0.1 ? 0.15 : 0.003;
    return unit(p.map((t) => t + s * normal()));
  });
}

test('two kernels a centre: q = (1 − ω) q_narrow + ω q_wide pointwise, and validation picks them on clustered data', () => {
  const r = seedrandom('two-scale');
  const train = clustered(600, r);
  const val = clustered(300, r);
  const fit = fitSphereKernel(train, val);
  const wide = fit.choice.wide;
  assert.ok(wide && wide.weight > 0, JSON.stringify(fit.choice));
  const N = train.length;
  const cov = fit.model.covariances;
  assert.equal(cov.length, 6 * N);
  assert.equal(fit.model.kernelWeights, [1 - wide.weight, wide.weight]);
  // each part alone, with the same uniform floor ε: (1 − ω) q_n + ω q_w = (1 − ε)((1 − ω) K_n + ω K_w) + ε/4π
  const eps = fit.choice.uniformWeight;
  const narrowOnly = new SphereKernelDensity(train, cov.slice(0, 3 * N), eps);
  const wideOnly = new SphereKernelDensity(train, cov.slice(3 * N), eps);
  const x = [...clustered(100, r), ...uniformPoints(100, r)];
  const [lq, ln, lw] = [fit.model, narrowOnly, wideOnly].map((m) => m.logDensity(x));
  lq.forEach((l, i) => {
    const want = Math.log((1 - wide.weight) * Math.exp(ln![i]!) + wide.weight * Math.exp(lw![i]!));
    assert.ok(Math.abs(l - want) < 1e-9, `${i}: ${l} vs ${want}`);
  });
  // on fresh points the mixture of scales beats either scale alone
  const fresh = clustered(2000, r);
  const nll = (m: SphereKernelDensity) => -m.logDensity(fresh).reduce((a, b) => a + b, 0) / fresh.length;
  assert.ok(nll(fit.model) < Math.min(nll(narrowOnly), nll(wideOnly)) - 0.05, `${nll(fit.model)} vs ${nll(narrowOnly)}, ${nll(wideOnly)}`);
});

test('two kernels a centre: draws take the wide kernel with probability ω', () => {
  const c = unit([0.5, -0.2, 0.8]);
  const [sn, sw, omega] = [0.005, 0.05, 0.3];
  const k = new SphereKernelDensity([c], Float64Array.of(sn * sn, 0, sn * sn, sw * sw, 0, sw * sw), 1e-9, [1 - omega, omega]);
  const xs = k.sample(20000, seedrandom('draw-two'));
  // within 0.02 rad: every narrow draw (4 sd) and a share 1 − e^{−0.02²/2σ_w²} of the wide ones
  const inner = xs.filter((x) => Math.acos(Math.min(1, dot(c, x))) < 0.02).length / xs.length;
  const want = (1 - omega) * (1 - Math.exp(-8)) + omega * (1 - Math.exp(-(0.02 ** 2) / (2 * sw * sw)));
  const se = Math.sqrt((want * (1 - want)) / xs.length);
  assert.ok(Math.abs(inner - want) < 4 * se, `${inner} vs ${want} ± ${se}`);
});

test('bad input is refused with a message: wrong centre, too wide, wrong count, weight; JSON round trip', () => {
  const c = [[0, 0, 1]];
  assert.throws(() => new SphereKernelDensity([[0, 0, 2]], Float64Array.of(1e-4, 0, 1e-4), 0.01), /unit 3-vector/);
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of((2 * MAX_KERNEL_SD) ** 2, 0, 1e-4), 0.01), /wider than/);
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of(1e-4, 0), 0.01), /covariances/);
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of(1e-4, 2e-4, 1e-4), 0.01), /positive definite/);
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of(1e-4, 0, 1e-4), 0), /uniform weight/);
  assert.throws(() => fitSphereKernel([[0, 0, 1]], [[0, 0, 1]]), /at least 2/);
  assert.throws(() => fitSphereKernel([[0, 0, 1], [1, 0, 0]], [[0, 0, 1]], { minWidth: 0.5 }), /minWidth/);
  const r = seedrandom('json');
  const fit = fitSphereKernel(filament(50, 0.01, r), filament(20, 0.01, r));
  const back = SphereKernelDensity.fromJSON(JSON.parse(JSON.stringify(fit.model.toJSON())));
  const x = uniformPoints(30, r).concat(filament(30, 0.01, r));
  assert.equal(Array.from(back.logDensity(x)), Array.from(fit.model.logDensity(x)));
  assert.throws(() => SphereKernelDensity.fromJSON({ kind: 'cnf' }), /not a sphere-kernel/);
  // two kernels a centre round-trip; a file without kernelWeights (one kernel a centre) still loads
  const two = new SphereKernelDensity(c, Float64Array.of(1e-4, 0, 1e-4, 1e-3, 0, 1e-3), 0.01, [0.7, 0.3]);
  const twoBack = SphereKernelDensity.fromJSON(JSON.parse(JSON.stringify(two)));
  assert.equal(Array.from(twoBack.logDensity(x)), Array.from(two.logDensity(x)));
  const one = new SphereKernelDensity(c, Float64Array.of(1e-4, 0, 1e-4), 0.01);
  const { kernelWeights: _, ...old } = one.toJSON();
  assert.equal(Array.from(SphereKernelDensity.fromJSON(old).logDensity(x)), Array.from(one.logDensity(x)));
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of(1e-4, 0, 1e-4, 1e-3, 0, 1e-3), 0.01, [0.7, 0.2]), /sum to 1/);
  assert.throws(() => new SphereKernelDensity(c, Float64Array.of(1e-4, 0, 1e-4), 0.01, [0.7, 0.3]), /covariances/);
});

test.run();
