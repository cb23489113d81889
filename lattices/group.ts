/** Gauge groups: U(1) (links stored as angles) or SU(N), N ≥ 2 (links stored as complex N×N matrices). */

export type Group = { kind: 'u1' } | { kind: 'sun'; N: number };

export const U1: { kind: 'u1' } = Object.freeze({ kind: 'u1' as const });

export function su(N: number): { kind: 'sun'; N: number } {
  if (!Number.isInteger(N) || N < 2) throw new Error(`SU(N) needs an integer N ≥ 2, got ${N}`);
  return { kind: 'sun', N };
}

/** 'u1', 'su2', 'su3', 'su7', … (also 'u(1)', 'su(3)') or 'suN' together with N. Case-insensitive. */
export function parseGroup(name: string, N?: number): Group {
  const s = String(name).trim().toLowerCase();
  if (s === 'u1' || s === 'u(1)') return U1;
  if (s === 'sun') {
    if (N === undefined) throw new Error("parseGroup: 'suN' needs N");
    return su(N);
  }
  const m = /^su\(?(\d+)\)?$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    if (N !== undefined && N !== n) throw new Error(`parseGroup: '${name}' conflicts with N=${N}`);
    return su(n);
  }
  throw new Error(`parseGroup: unknown gauge group '${name}' (expected u1, su2, su3, … or suN with N)`);
}

export function groupName(g: Group): string {
  return g.kind === 'u1' ? 'u1' : `su${g.N}`;
}

export function sameGroup(a: Group, b: Group): boolean {
  return a.kind === b.kind && (a.kind === 'u1' || a.N === (b as { N: number }).N);
}

/** Float64 values per link: 1 for U(1), 2N² for SU(N). */
export function linkSize(g: Group): number {
  return g.kind === 'u1' ? 1 : 2 * g.N * g.N;
}

/** Dimension of the group manifold (number of real momenta per link in HMC). */
export function groupDimension(g: Group): number {
  return g.kind === 'u1' ? 1 : g.N * g.N - 1;
}
