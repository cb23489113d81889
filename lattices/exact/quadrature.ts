/**
 * Composite Gauss–Legendre quadrature for smooth (analytic) integrands on a finite interval,
 * refined by doubling the number of panels until two successive estimates agree. Several
 * integrands sharing an expensive factor are integrated together (`integrateVector`).
 */

const cache = new Map<number, { x: Float64Array; w: Float64Array }>();

/** Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1] (Newton on P_n). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const hit = cache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      // p1 = P_n(z), p0 = P_{n−1}(z)
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
  const rule = { x, w };
  cache.set(n, rule);
  return rule;
}

const RULE = 32;

function composite(f: (t: number, out: Float64Array) => void, m: number, a: number, b: number, panels: number): Float64Array {
  const { x, w } = gaussLegendre(RULE);
  const acc = new Float64Array(m);
  const tmp = new Float64Array(m);
  const h = (b - a) / panels;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    for (let i = 0; i < RULE; i++) {
      f(mid + 0.5 * h * x[i]!, tmp);
      const wi = 0.5 * h * w[i]!;
      for (let j = 0; j < m; j++) acc[j]! += wi * tmp[j]!;
    }
  }
  return acc;
}

/**
 * ∫_a^b f(t) dt for m integrands at once; f writes its m values into `out`. Converged when
 * every component changes by less than `tol`·`scale[j]` (absolute scale per component; pass
 * the integral of |f_j| or a bound on it) between n and 2n panels.
 */
export function integrateVector(
  f: (t: number, out: Float64Array) => void,
  m: number,
  a: number,
  b: number,
  scale: readonly number[],
  tol = 1e-14,
  maxPanels = 1 << 14,
): Float64Array {
  let panels = 4;
  let prev = composite(f, m, a, b, panels);
  for (;;) {
    panels *= 2;
    const cur = composite(f, m, a, b, panels);
    let ok = true;
    for (let j = 0; j < m; j++) if (Math.abs(cur[j]! - prev[j]!) > tol * scale[j]!) ok = false;
    if (ok) return cur;
    if (panels >= maxPanels) throw new Error(`quadrature did not converge with ${panels} panels of ${RULE} points`);
    prev = cur;
  }
}
