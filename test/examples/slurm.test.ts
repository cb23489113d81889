/**
 * examples/slurm/ on a real scheduler: a one-node SLURM (Debian's slurmctld, slurmd, slurm-client,
 * munge) brought up on localhost by examples/slurm/local-cluster.sh, the run submitted by
 * examples/slurm/submit.sh as a 4-task `propose --shard auto` array plus a merge job that depends on
 * it (afterok), and the merged JSON compared with the single-process run: bit-identical estimates,
 * errors and acceptance.
 *
 * Skipped, with a message, only outside CI when the packages or root are missing; with CI set the
 * test runs or fails (.ci/run installs the packages).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gaugeFlowSpec } from '../../src/cli/flow-spec.ts';
import { runOutput, toJson } from '../../src/cli/run-output.ts';
import { runChains } from '../../samplers/runner.ts';
import { comparable } from '../fixtures/run-json.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cluster = join(root, 'examples/slurm/local-cluster.sh');
const submit = join(root, 'examples/slurm/submit.sh');
const model = join(root, 'bench/models/u1-L8-b2-energy.model.json');
const run = { SEED: 'slurm', CHAINS: '3', N: '40', THERM: '8', BATCH: '16', SHARDS: '4' };

const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const commands = ['slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'munged', 'setpriv'];
const missing = commands.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
const isRoot = process.getuid?.() === 0;
const why = missing.length > 0 ? `missing ${missing.join(', ')} (apt-get install -y slurmctld slurmd slurm-client munge)` : !isRoot ? 'not root (munged and slurmd need it)' : null;

if (why && !inCI) {
  console.log(`\n  examples/slurm integration test SKIPPED: ${why}. In CI (CI=true) it runs; .ci/run installs the packages.\n`);
  test.skip('SLURM job array of propose --shard auto + dependent merge = single-process run', () => {});
} else {
  test('SLURM job array of propose --shard auto + dependent merge = single-process run', async () => {
    if (why) assert.unreachable(`the SLURM test cannot run in CI: ${why} — .ci/run should have installed the packages`);
    const t0 = performance.now();
    const base = mkdtempSync(join(tmpdir(), 'gaugeflow-slurm-'));
    chmodSync(base, 0o755); // munged (as the munge user) must reach its socket directory below
    const cdir = join(base, 'cluster');
    const out = join(base, 'run');
    const up = spawnSync('bash', [cluster, 'start', cdir], { encoding: 'utf8', timeout: 60_000 });
    const env = { ...process.env, SLURM_CONF: join(cdir, 'slurm.conf') };
    try {
      assert.is(up.status, 0, `cluster start: ${up.stderr}`);
      const started = performance.now();
      const sub = spawnSync('bash', [submit], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...env, ...run, MODEL: model, OUT: out, GAUGEFLOW: `${process.execPath} ${join(root, 'bin/gaugeflow.mjs')}` },
      });
      assert.is(sub.status, 0, `submit: ${sub.stderr}`);
      const [, array, merge] = /propose array job (\d+) \(4 tasks\), merge job (\d+)/.exec(sub.stdout) ?? [];
      assert.ok(array && merge, sub.stdout);
      // the merge job waits on the array
      const dep = spawnSync('squeue', ['-h', '-j', merge!, '-o', '%E'], { encoding: 'utf8', env });
      assert.ok(dep.stdout.trim() === '' || /afterok:\d+/.test(dep.stdout), `dependency: ${dep.stdout}`);
      // the single-process run meanwhile, in this process
      const { spec, backend } = await gaugeFlowSpec(model, { batch: Number(run.BATCH) });
      const opts = { spec, seed: run.SEED, chains: Number(run.CHAINS), workers: 0, nPerChain: Number(run.N), therm: Number(run.THERM), measEvery: 1, start: 'hot' as const, wilsonLoops: [] };
      const single = runOutput({ command: 'sample', backend, ...opts, result: await runChains(opts), model });
      const deadline = performance.now() + 180_000;
      while (performance.now() < deadline) {
        const q = spawnSync('squeue', ['-h', '-o', '%i %T'], { encoding: 'utf8', env });
        if (q.status === 0 && q.stdout.trim() === '') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const scheduled = (performance.now() - started) / 1000;
      const logs = existsSync(join(out, 'logs')) ? readdirSync(join(out, 'logs')).map((f) => `--- ${f}\n${readFileSync(join(out, 'logs', f), 'utf8')}`).join('\n') : '(no logs)';
      const result = join(out, 'result.json');
      assert.ok(existsSync(result), `no result.json after the jobs left the queue\n${logs}`);
      assert.equal(readdirSync(out).filter((f) => f.endsWith('.gfshard')).sort(), [0, 1, 2, 3].map((i) => `shard-000${i}-of-0004.gfshard`));
      assert.match(logs, /shard 3\/4 \(batches 6\.\.8 of 9/); // drawn by array task 3
      const merged = JSON.parse(readFileSync(result, 'utf8'));
      assert.is(merged.command, 'merge');
      assert.is(merged.shards.count, 4);
      assert.equal(comparable(merged), comparable(JSON.parse(toJson(single.out))));
      console.log(`  slurm: cluster up + array of 4 + merge: ${scheduled.toFixed(1)} s in the scheduler, ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
    } finally {
      const down = spawnSync('bash', [cluster, 'stop', cdir], { encoding: 'utf8', timeout: 60_000 });
      assert.is(down.status, 0, `cluster stop: ${down.stderr}`);
      rmSync(base, { recursive: true, force: true });
    }
  });
}

test.run();
