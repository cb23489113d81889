/**
 * Earth event catalogues (latitude, longitude in degrees) as points on S², and seeded splits.
 * Lines starting with '#' are comments; a non-numeric first data row is a header. A header that
 * names a latitude column (lat, latitude) and a longitude column (lon, long, lng, longitude) picks
 * those columns, in any order and among other columns; otherwise the first two columns are lat, lon.
 */
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';

const LAT_NAMES = new Set(['lat', 'latitude']);
const LON_NAMES = new Set(['lon', 'long', 'lng', 'longitude']);

/** Column indices of latitude and longitude named by a header row, null when it names neither. */
function headerColumns(cells: string[], source: string, line: number): { lat: number; lon: number } | null {
  const names = cells.map((c) => c.replace(/^"(.*)"$/, '$1').trim().toLowerCase());
  const lat = names.findIndex((n) => LAT_NAMES.has(n));
  const lon = names.findIndex((n) => LON_NAMES.has(n));
  if (lat < 0 && lon < 0) return null;
  // one named and not the other: guessing the other column could swap the coordinates silently
  if (lat < 0 || lon < 0) throw new Error(`${source}: the header on line ${line} names a ${lat < 0 ? 'longitude' : 'latitude'} column but no ${lat < 0 ? 'latitude (lat, latitude)' : 'longitude (lon, long, lng, longitude)'} column`);
  return { lat, lon };
}

export function parseLatLonCSV(text: string, source = 'CSV'): [number, number][] {
  const rows: [number, number][] = [];
  let sawData = false;
  let cols = { lat: 0, lon: 1 };
  // a byte-order mark (spreadsheet exports) would otherwise make the first cell non-numeric
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, k) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const cells = t.split(',').map((c) => c.trim());
    const latCell = cells[cols.lat];
    const lonCell = cells[cols.lon];
    const lat = Number(latCell);
    const lon = Number(lonCell);
    if (latCell === undefined || lonCell === undefined || latCell === '' || lonCell === '' || !Number.isFinite(lat) || !Number.isFinite(lon)) {
      if (!sawData) {
        sawData = true; // header row
        cols = headerColumns(cells, source, k + 1) ?? cols;
        return;
      }
      throw new Error(`${source}: line ${k + 1} has no numeric latitude and longitude in columns ${cols.lat + 1} and ${cols.lon + 1}: '${t}'`);
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
