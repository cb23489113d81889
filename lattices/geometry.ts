/**
 * Periodic d-dimensional lattice (d = 2, 3, 4). Sites are numbered lexicographically with direction 0
 * fastest; link l = site*dims + mu. Neighbour tables are precomputed once so hot loops never do
 * coordinate arithmetic.
 */

export interface Lattice {
  readonly dims: number;
  readonly extents: readonly number[];
  readonly volume: number;
  /** fwd[site*dims + mu] = site + mu-hat (periodic) */
  readonly fwd: Int32Array;
  /** bwd[site*dims + mu] = site − mu-hat (periodic) */
  readonly bwd: Int32Array;
}

const latticeCache = new Map<string, Lattice>();

/**
 * The lattice of the given extents. Lattices are immutable and memoised by shape, so every field of one
 * shape (e.g. thousands of loaded configurations) shares one set of neighbour and plaquette tables.
 */
export function makeLattice(extents: readonly number[]): Lattice {
  if (!Array.isArray(extents)) throw new Error('makeLattice: extents must be an array of integers');
  const key = extents.join(',');
  const hit = latticeCache.get(key);
  if (hit) return hit;
  const lat = buildLattice(extents);
  latticeCache.set(key, lat);
  return lat;
}

function buildLattice(extents: readonly number[]): Lattice {
  const dims = extents.length;
  if (dims < 2 || dims > 4) throw new Error(`makeLattice: dimension must be 2, 3 or 4, got ${dims}`);
  for (const L of extents) {
    if (!Number.isInteger(L) || L < 2) throw new Error(`makeLattice: every extent must be an integer ≥ 2, got ${L}`);
  }
  let volume = 1;
  for (const L of extents) volume *= L;
  if (volume * dims > 2 ** 30) throw new Error(`makeLattice: lattice ${extents.join('x')} is too large`);
  const strides: number[] = [];
  let s = 1;
  for (const L of extents) { strides.push(s); s *= L; }
  const fwd = new Int32Array(volume * dims);
  const bwd = new Int32Array(volume * dims);
  for (let site = 0; site < volume; site++) {
    for (let mu = 0; mu < dims; mu++) {
      const L = extents[mu], st = strides[mu];
      const x = Math.floor(site / st) % L;
      fwd[site * dims + mu] = x === L - 1 ? site - (L - 1) * st : site + st;
      bwd[site * dims + mu] = x === 0 ? site + (L - 1) * st : site - st;
    }
  }
  return Object.freeze({ dims, extents: Object.freeze([...extents]), volume, fwd, bwd });
}

export function siteIndex(lat: Lattice, coords: readonly number[]): number {
  if (coords.length !== lat.dims) throw new Error(`siteIndex: expected ${lat.dims} coordinates, got ${coords.length}`);
  let site = 0, stride = 1;
  for (let mu = 0; mu < lat.dims; mu++) {
    const L = lat.extents[mu];
    const x = ((coords[mu] % L) + L) % L; // periodic wrap, also for negative coordinates
    site += x * stride;
    stride *= L;
  }
  return site;
}

export function siteCoords(lat: Lattice, site: number): number[] {
  if (!Number.isInteger(site) || site < 0 || site >= lat.volume) throw new Error(`siteCoords: site ${site} out of range [0, ${lat.volume})`);
  const c: number[] = [];
  for (let mu = 0; mu < lat.dims; mu++) {
    c.push(site % lat.extents[mu]);
    site = Math.floor(site / lat.extents[mu]);
  }
  return c;
}

/** Number of plaquettes: volume × d(d−1)/2. */
export function plaquetteCount(lat: Lattice): number {
  return (lat.volume * lat.dims * (lat.dims - 1)) / 2;
}

const plaqCache = new WeakMap<Lattice, Int32Array>();

/**
 * Link indices of every plaquette P_{μν}(x), μ<ν, ordered by site then plane (μ,ν) lexicographically:
 * [l(x,μ), l(x+μ,ν), l(x+ν,μ), l(x,ν)], so θ_P = θ0 + θ1 − θ2 − θ3. Cached per lattice.
 */
export function plaquetteLinks(lat: Lattice): Int32Array {
  let t = plaqCache.get(lat);
  if (t) return t;
  const d = lat.dims, fwd = lat.fwd;
  t = new Int32Array(plaquetteCount(lat) * 4);
  let p = 0;
  for (let x = 0; x < lat.volume; x++) {
    for (let mu = 0; mu < d; mu++) {
      for (let nu = mu + 1; nu < d; nu++) {
        t[p++] = x * d + mu;
        t[p++] = fwd[x * d + mu] * d + nu;
        t[p++] = fwd[x * d + nu] * d + mu;
        t[p++] = x * d + nu;
      }
    }
  }
  plaqCache.set(lat, t);
  return t;
}
