/**
 * What the runner measures on every measured configuration. Names are stable because they end up
 * as keys of the CLI's JSON output: `plaquette` (U(1): ⟨cos θ_P⟩, SU(N): ⟨(1/N) Re tr P⟩), `Q` and
 * `Q2` (2D U(1) only: the topological charge is defined there), `W<R>x<T>` Wilson loops on request.
 */
import { averagePlaquette } from '../lattices/action.ts';
import { isU1, type GaugeField } from '../lattices/field.ts';
import type { Lattice } from '../lattices/geometry.ts';
import type { Group } from '../lattices/group.ts';
import { topologicalCharge, wilsonLoop } from '../lattices/observables.ts';

export type WilsonLoopSize = readonly [R: number, T: number];

/** The observable names measured for this lattice and group, in output order. */
export function observableNames(lattice: Lattice, group: Group, wilsonLoops: readonly WilsonLoopSize[] = []): string[] {
  const names = ['plaquette'];
  if (hasTopologicalCharge(lattice, group)) names.push('Q', 'Q2');
  for (const [R, T] of wilsonLoops) names.push(wilsonName(R, T));
  return names;
}

export function hasTopologicalCharge(lattice: Lattice, group: Group): boolean {
  return group.kind === 'u1' && lattice.dims === 2;
}

export function wilsonName(R: number, T: number): string {
  return `W${R}x${T}`;
}

/** Check loop sizes against the lattice before a run starts rather than in the middle of one. */
export function validateWilsonLoops(lattice: Pick<Lattice, 'extents'>, loops: readonly WilsonLoopSize[]): void {
  const Lmin = Math.min(...lattice.extents);
  for (const [R, T] of loops) {
    if (!Number.isInteger(R) || !Number.isInteger(T) || R < 1 || T < 1 || R >= Lmin || T >= Lmin) {
      throw new Error(`Wilson loop ${R}x${T} does not fit: R and T must be integers in [1, ${Lmin - 1}]`);
    }
  }
}

/** Parse "1x1,2x2" (CLI form). */
export function parseWilsonLoops(spec: string): WilsonLoopSize[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((s) => {
    const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
    if (!m) throw new Error(`Wilson loop '${s}' is not of the form RxT (e.g. 2x2)`);
    return [Number(m[1]), Number(m[2])] as const;
  });
}

/** Measure every observable of `names` on one configuration, writing into out[i]. */
export function measure(field: GaugeField, names: readonly string[], out: Float64Array): void {
  let q = NaN;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === 'plaquette') out[i] = averagePlaquette(field);
    else if (name === 'Q' || name === 'Q2') {
      if (!isU1(field)) throw new Error(`observable ${name} needs a 2D U(1) field`);
      if (Number.isNaN(q)) q = topologicalCharge(field);
      out[i] = name === 'Q' ? q : q * q;
    } else {
      const m = /^W(\d+)x(\d+)$/.exec(name);
      if (!m) throw new Error(`unknown observable '${name}'`);
      out[i] = wilsonLoop(field, Number(m[1]), Number(m[2]));
    }
  }
}
