/**
 * HMC cost: milliseconds per trajectory (τ = 1, 10 leapfrog steps) on one core, plain TypeScript.
 * Usage: npx tsx bench/hmc.ts [--seconds S]   → one JSON object on stdout, a table on stderr.
 * Each case is thermalised briefly, then trajectories are timed for ~S seconds (at least 3).
 * Reported: wall-clock mean, the fastest 50 ms block, and process CPU time per trajectory.
 */
import { cpus, platform, release } from 'node:os';
import { makeLattice } from '../lattices/geometry.ts';
import { U1, su, groupName, type Group } from '../lattices/group.ts';
import { hotStart } from '../lattices/field.ts';
import { makeRng } from '../lattices/random.ts';
import { hmcKernel } from '../samplers/hmc.ts';

const argi = process.argv.indexOf('--seconds');
const seconds = argi > 0 ? Number(process.argv[argi + 1]) : 2;
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');

function bench(extents: number[], group: Group, beta: number) {
  const lat = makeLattice(extents);
  const f = hotStart(lat, group, makeRng('bench-hmc', groupName(group), extents.join('x')));
  const kernel = hmcKernel({ beta, trajLength: 1, mdSteps: 10, integrator: 'leapfrog' });
  const state = kernel.init(f);
  const rng = makeRng('bench-hmc', 'chain', groupName(group), extents.join('x'));
  // warm-up: lets V8 optimise and moves the field off the hot start
  const tw = performance.now();
  let warm = 0;
  while (warm < 20 || (performance.now() - tw < 0.3 * seconds * 1000 && warm < 2000)) { kernel.step(state, rng); warm++; }
  // Timed in blocks of ~50 ms: the mean over all blocks is the headline figure; the fastest block
  // is also reported because the machine is shared and other jobs inflate the mean.
  let n = 0, acc = 0, best = Infinity;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (n < 3 || t - t0 < seconds * 1000) {
    const b0 = performance.now();
    let k = 0;
    do {
      const [, info] = kernel.step(state, rng);
      acc += info.accepted ? 1 : 0;
      k++;
      t = performance.now();
    } while (t - b0 < 50);
    n += k;
    best = Math.min(best, (t - b0) / k);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    group: groupName(group),
    extents,
    beta,
    trajectories: n,
    msPerTrajectory: (t - t0) / n,
    msPerTrajectoryFastestBlock: best,
    /** process CPU time (user + system) per trajectory: insensitive to time slicing by other jobs */
    cpuMsPerTrajectory: (cpu.user + cpu.system) / 1000 / n,
    acceptance: acc / n,
  };
}

const cases = [
  bench([8, 8], U1, 2),
  bench([16, 16], U1, 2),
  bench([16, 16], su(3), 4),
  bench([8, 8, 8, 8], su(3), 5.7),
];

const out = {
  benchmark: 'hmc-trajectory',
  backend: 'none (plain TS)',
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, os: `${platform()} ${release()}` },
  trajectory: { trajLength: 1, mdSteps: 10, integrator: 'leapfrog' },
  secondsPerCase: seconds,
  results: cases,
};
console.log(JSON.stringify(out, null, 2));
for (const c of cases) {
  process.stderr.write(
    `${c.group.padEnd(4)} ${c.extents.join('x').padEnd(8)} β=${String(c.beta).padEnd(4)} ` +
      `${c.msPerTrajectory.toFixed(4).padStart(10)} ms/traj (fastest 50 ms block ${c.msPerTrajectoryFastestBlock.toFixed(4)}, ` +
      `CPU ${c.cpuMsPerTrajectory.toFixed(4)})  acc ${c.acceptance.toFixed(3)}  (${c.trajectories} traj)\n`,
  );
}
