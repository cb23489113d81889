/** U(1) and SU(N) link fields on a periodic lattice (layouts fixed by the lattices/ API contract). */
import { type Lattice } from './geometry.ts';
import { type Group, su } from './group.ts';
import { type Rng } from './random.ts';
import { haarSUN } from './haar.ts';
import { setIdentity } from './matrix.ts';

export interface U1Field {
  readonly group: { kind: 'u1' };
  readonly lattice: Lattice;
  /** angle of link l = site*dims + mu, in (−π, π] */
  theta: Float64Array;
}

export interface SUNField {
  readonly group: { kind: 'sun'; N: number };
  readonly lattice: Lattice;
  /** link l occupies [l*2N², (l+1)*2N²): row-major complex N×N, re/im interleaved */
  links: Float64Array;
}

export type GaugeField = U1Field | SUNField;

const TWO_PI = 2 * Math.PI;

/** Map any angle to (−π, π]. */
export function wrapAngle(x: number): number {
  if (x > -Math.PI && x <= Math.PI) return x;
  const y = x - TWO_PI * Math.floor((x + Math.PI) / TWO_PI); // [−π, π) up to rounding
  return y <= -Math.PI ? y + TWO_PI : y > Math.PI ? y - TWO_PI : y;
}

function checkGroup(group: Group): Group {
  if (!group || (group.kind !== 'u1' && group.kind !== 'sun')) throw new Error(`unknown gauge group ${JSON.stringify(group)}`);
  return group.kind === 'u1' ? { kind: 'u1' } : su(group.N);
}

export function coldStart(lattice: Lattice, group: { kind: 'u1' }): U1Field;
export function coldStart(lattice: Lattice, group: { kind: 'sun'; N: number }): SUNField;
export function coldStart(lattice: Lattice, group: Group): GaugeField;
export function coldStart(lattice: Lattice, group: Group): GaugeField {
  const g = checkGroup(group);
  const nLinks = lattice.volume * lattice.dims;
  if (g.kind === 'u1') return { group: g, lattice, theta: new Float64Array(nLinks) };
  const N = g.N, m = 2 * N * N;
  const links = new Float64Array(nLinks * m);
  for (let l = 0; l < nLinks; l++) setIdentity(links, l * m, N);
  return { group: g, lattice, links };
}

/** Every link independently Haar-distributed (uniform angle in (−π, π] for U(1)). */
export function hotStart(lattice: Lattice, group: { kind: 'u1' }, rng: Rng): U1Field;
export function hotStart(lattice: Lattice, group: { kind: 'sun'; N: number }, rng: Rng): SUNField;
export function hotStart(lattice: Lattice, group: Group, rng: Rng): GaugeField;
export function hotStart(lattice: Lattice, group: Group, rng: Rng): GaugeField {
  const field = emptyField(lattice, group);
  hotFill(field, rng, 0, lattice.volume * lattice.dims);
  return field;
}

/**
 * A field of zeros (not a valid SU(N) configuration until filled): with hotFill over the links in
 * order it is hotStart cut into pieces, so that long set-ups can pause in between and stay
 * interruptible; the random stream, hence the field, is the same.
 */
export function emptyField(lattice: Lattice, group: Group): GaugeField {
  const g = checkGroup(group);
  const nLinks = lattice.volume * lattice.dims;
  if (g.kind === 'u1') return { group: g, lattice, theta: new Float64Array(nLinks) };
  return { group: g, lattice, links: new Float64Array(nLinks * 2 * g.N * g.N) };
}

/** Haar-random links [from, to) of `field`, drawing from rng in link order. */
export function hotFill(field: GaugeField, rng: Rng, from: number, to: number): void {
  if (field.group.kind === 'u1') {
    const theta = (field as U1Field).theta;
    for (let l = from; l < to; l++) theta[l] = Math.PI - TWO_PI * rng(); // (−π, π]
    return;
  }
  const N = field.group.N, m = 2 * N * N;
  const links = (field as SUNField).links;
  for (let l = from; l < to; l++) haarSUN(N, rng, links, l * m);
}

export function cloneField<F extends GaugeField>(f: F): F {
  if (f.group.kind === 'u1') return { group: f.group, lattice: f.lattice, theta: (f as U1Field).theta.slice() } as F;
  return { group: f.group, lattice: f.lattice, links: (f as SUNField).links.slice() } as F;
}

export function isU1(f: GaugeField): f is U1Field {
  return f.group.kind === 'u1';
}
