/**
 * Gauge transformations U_μ(x) → Ω(x) U_μ(x) Ω(x+μ̂)† (docs/design.md, "Lattice gauge theory conventions"):
 * every physical observable is invariant.
 */
import { type Lattice } from './geometry.ts';
import { type Group } from './group.ts';
import { type GaugeField, type SUNField, type U1Field, wrapAngle } from './field.ts';
import { type Rng } from './random.ts';
import { haarSUN } from './haar.ts';
import { mul, mulAdjB } from './matrix.ts';

/** Haar-random Ω: one angle per site (U(1)) or one SU(N) matrix per site (2N² values each). */
export function randomGauge(lattice: Lattice, group: Group, rng: Rng): Float64Array {
  if (group.kind === 'u1') {
    const w = new Float64Array(lattice.volume);
    for (let x = 0; x < lattice.volume; x++) w[x] = Math.PI - 2 * Math.PI * rng();
    return w;
  }
  const m = 2 * group.N * group.N;
  const w = new Float64Array(lattice.volume * m);
  for (let x = 0; x < lattice.volume; x++) haarSUN(group.N, rng, w, x * m);
  return w;
}

/** New field with U_μ(x) → Ω(x) U_μ(x) Ω(x+μ̂)† (U(1): θ → ω(x) + θ − ω(x+μ̂), wrapped to (−π, π]). */
export function applyGauge<F extends GaugeField>(field: F, omega: Float64Array): F {
  const lat = field.lattice, d = lat.dims, V = lat.volume, fwd = lat.fwd;
  if (field.group.kind === 'u1') {
    if (omega.length !== V) throw new Error(`applyGauge: U(1) gauge transformation needs ${V} angles, got ${omega.length}`);
    const th = (field as U1Field).theta, out = new Float64Array(th.length);
    for (let x = 0; x < V; x++) {
      for (let mu = 0; mu < d; mu++) {
        const l = x * d + mu;
        out[l] = wrapAngle(omega[x] + th[l] - omega[fwd[l]]);
      }
    }
    return { group: field.group, lattice: lat, theta: out } as F;
  }
  const N = field.group.N, m = 2 * N * N, U = (field as SUNField).links;
  if (omega.length !== V * m) throw new Error(`applyGauge: SU(${N}) gauge transformation needs ${V * m} values, got ${omega.length}`);
  const out = new Float64Array(U.length), tmp = new Float64Array(m);
  for (let x = 0; x < V; x++) {
    for (let mu = 0; mu < d; mu++) {
      const l = x * d + mu;
      mul(omega, x * m, U, l * m, tmp, 0, N);
      mulAdjB(tmp, 0, omega, fwd[l] * m, out, l * m, N);
    }
  }
  return { group: field.group, lattice: lat, links: out } as F;
}
