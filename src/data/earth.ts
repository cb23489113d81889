/**
 * Earth event catalogues (latitude, longitude in degrees) as points on S², and seeded splits.
 * Lines starting with '#' are comments; a non-numeric first data row is a header.
 */
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';

export function parseLatLonCSV(text: string, source = 'CSV'): [number, number][] {
  const rows: [number, number][] = [];
  let sawData = false;
  text.split(/\r?\n/).forEach((line, k) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const cells = t.split(',').map((c) => c.trim());
    const lat = Number(cells[0]);
    const lon = Number(cells[1]);
    if (cells.length < 2 || cells[0] === '' || cells[1] === '' || !Number.isFinite(lat) || !Number.isFinite(lon)) {
      if (!sawData) {
        sawData = true; // header row
        return;
      }
      throw new Error(`${source}: line ${k + 1} is not 'lat,lon' numbers: '${t}'`);
    }
    sawData = true;
    if (Math.abs(lat) > 90 || Math.abs(lon) > 360) throw new Error(`${source}: line ${k + 1} has latitude/longitude out of range: ${lat}, ${lon}`);
    rows.push([lat, lon]);
  });
  if (rows.length === 0) throw new Error(`${source}: no data rows`);
  return rows;
}

export function loadLatLonCSV(path: string): [number, number][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read data file ${path}: ${(e as Error).message}`);
  }
  return parseLatLonCSV(text, path);
}

/** Unit vectors (x, y, z) = (cos φ cos λ, cos φ sin λ, sin φ). */
export function latLonToSphere(rows: [number, number][]): number[][] {
  const d = Math.PI / 180;
  return rows.map(([lat, lon]) => [Math.cos(lat * d) * Math.cos(lon * d), Math.cos(lat * d) * Math.sin(lon * d), Math.sin(lat * d)]);
}

/** Seeded random permutation split into train/validation/test (default 80/10/10). */
export function splitIndices(n: number, seed: number | string, fractions: [number, number, number] = [0.8, 0.1, 0.1]): { train: number[]; val: number[]; test: number[] } {
  const rng = seedrandom(`split-${seed}`);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const nTrain = Math.round(fractions[0] * n);
  const nVal = Math.round(fractions[1] * n);
  return { train: idx.slice(0, nTrain), val: idx.slice(nTrain, nTrain + nVal), test: idx.slice(nTrain + nVal) };
}
