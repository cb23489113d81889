/**
 * Earth-science data on S² (Mathieu & Nickel 2020 sets: volcano eruptions, earthquakes, floods,
 * fires) and the seeded 80/10/10 split used for test NLL. A local reader so the CNF benchmarks do not
 * depend on src/data; it accepts '#' comment lines and a Latitude,Longitude header (degrees).
 */
import fs from 'node:fs';
import seedrandom from 'seedrandom';

/** Unit vectors (cos φ cos λ, cos φ sin λ, sin φ) for latitude φ and longitude λ in degrees. */
export function latLonToUnit(lat: number, lon: number): number[] {
  const p = (lat * Math.PI) / 180;
  const l = (lon * Math.PI) / 180;
  return [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)];
}

export function readEarthCsv(path: string): number[][] {
  const lines = fs.readFileSync(path, 'utf8').split(/\r?\n/);
  const rows: number[][] = [];
  let header: string[] | null = null;
  lines.forEach((line, i) => {
    const s = line.trim();
    if (!s || s.startsWith('#')) return;
    const cells = s.split(',').map((c) => c.trim());
    if (!header && cells.some((c) => Number.isNaN(Number(c)))) {
      header = cells.map((c) => c.toLowerCase());
      return;
    }
    const h = header ?? ['latitude', 'longitude'];
    const iLat = h.findIndex((c) => c.startsWith('lat'));
    const iLon = h.findIndex((c) => c.startsWith('lon'));
    if (iLat < 0 || iLon < 0) throw new Error(`${path}: header needs latitude and longitude columns, got ${h.join(',')}`);
    const lat = Number(cells[iLat]);
    const lon = Number(cells[iLon]);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90) throw new Error(`${path}:${i + 1}: bad latitude/longitude '${s}'`);
    rows.push(latLonToUnit(lat, lon));
  });
  if (rows.length === 0) throw new Error(`${path}: no data rows`);
  return rows;
}

/** Seeded shuffle, then 80% train / 10% validation / 10% test. */
export function splitRows<T>(rows: T[], seed: number): { train: T[]; val: T[]; test: T[] } {
  const rng = seedrandom(`split-${seed}`);
  const idx = rows.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const nTr = Math.round(0.8 * rows.length);
  const nVa = Math.round(0.1 * rows.length);
  const pick = (a: number, b: number) => idx.slice(a, b).map((i) => rows[i]);
  return { train: pick(0, nTr), val: pick(nTr, nTr + nVa), test: pick(nTr + nVa, rows.length) };
}
