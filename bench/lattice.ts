/**
 * Lattice kernel throughput: plaquette sweeps per second (one sweep = averagePlaquette over the whole
 * lattice) and action+force evaluations per second, plain TypeScript on Float64Array.
 * Usage: npx tsx bench/lattice.ts [--seconds S]   → one JSON object on stdout, a table on stderr.
 * Also: npm run bench:lattice
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { makeLattice } from '../lattices/geometry.ts';
import { U1, su, linkSize, groupName, type Group } from '../lattices/group.ts';
import { hotStart } from '../lattices/field.ts';
import { makeRng } from '../lattices/random.ts';
import { averagePlaquette, wilsonAction, wilsonForce } from '../lattices/action.ts';

const argi = process.argv.indexOf('--seconds');
const seconds = argi > 0 ? Number(process.argv[argi + 1]) : 1;
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');

/**
 * Calls per second of fn: after a warm-up, `windows` timing windows of seconds/windows each; reports the
 * best window (least disturbed by other processes on a shared machine) and the median.
 */
function rate(fn: () => void, windows = 5): { best: number; median: number } {
  const warm = performance.now();
  while (performance.now() - warm < 0.2 * seconds * 1000) fn();
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < (seconds * 1000) / windows) {
      fn(); fn();
      n += 2;
      t = performance.now();
    }
    rates.push((n * 1000) / (t - t0));
  }
  rates.sort((a, b) => a - b);
  return { best: rates[windows - 1], median: rates[(windows - 1) >> 1] };
}

let sink = 0;
function bench(extents: number[], group: Group, beta: number) {
  const lat = makeLattice(extents);
  const f = hotStart(lat, group, makeRng('bench-lattice', groupName(group), extents.join('x')));
  const F = new Float64Array(lat.volume * lat.dims * linkSize(group));
  const sweeps = rate(() => { sink += averagePlaquette(f); });
  const actionForce = rate(() => { sink += wilsonAction(f, beta); wilsonForce(f, beta, F); });
  const force = rate(() => wilsonForce(f, beta, F));
  const links = lat.volume * lat.dims;
  return {
    group: groupName(group),
    extents,
    links,
    plaquetteSweepsPerSec: sweeps.best,
    actionForcePerSec: actionForce.best,
    forcePerSec: force.best,
    forceNsPerLink: 1e9 / (force.best * links),
    median: { plaquetteSweepsPerSec: sweeps.median, actionForcePerSec: actionForce.median, forcePerSec: force.median },
  };
}

const cases = [
  bench([64, 64], U1, 2),
  bench([8, 8, 8, 8], su(3), 5.7),
  // the HMC-relevant small case: a U(1) L=8 trajectory needs ~11 force evaluations
  bench([8, 8], U1, 2),
  bench([8, 8, 8, 8], su(2), 2.3),
];

const out = {
  benchmark: 'lattice-kernels',
  backend: 'none (plain TS)',
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, os: `${platform()} ${release()}`, loadavg1: loadavg()[0] },
  secondsPerMeasurement: seconds,
  note: 'rates are the best of 5 timing windows (median alongside); loadavg1 shows how busy the machine was',
  results: cases,
};
console.log(JSON.stringify(out, null, 2));
for (const c of cases) {
  process.stderr.write(
    `${c.group.padEnd(4)} ${c.extents.join('x').padEnd(8)} sweeps/s ${c.plaquetteSweepsPerSec.toFixed(1).padStart(10)}  ` +
      `action+force/s ${c.actionForcePerSec.toFixed(1).padStart(10)}  force ${(1e6 / c.forcePerSec).toFixed(2).padStart(9)} µs\n`,
  );
}
if (Number.isNaN(sink)) process.exitCode = 1;
