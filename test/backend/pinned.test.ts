// Issue 9 item 10: a pinned backend that cannot load names the optional package; the plain CPU
// backend prints no "install our node backend" banner. Child processes: the choice is per process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = `import { initBackend, tf } from './src/backend/index.ts';
const name = await initBackend();
tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
console.log(name);`;

function withBackend(b: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, GAUGEFLOW_BACKEND: b } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function installed(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

test('GAUGEFLOW_BACKEND=gpu|node without the native package names the package to install', () => {
  for (const [b, pkg] of [['gpu', '@tensorflow/tfjs-node-gpu'], ['node', '@tensorflow/tfjs-node']] as const) {
    if (installed(pkg)) continue; // then it is a real choice, tested elsewhere
    const r = withBackend(b);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, new RegExp(`GAUGEFLOW_BACKEND=${b} needs the optional package ${pkg}, which is not installed \\(npm install ${pkg}`));
    assert.not.match(r.stderr, /no usable TensorFlow\.js backend/);
  }
});

test('GAUGEFLOW_BACKEND=cpu computes without the tfjs install banner', () => {
  const r = withBackend('cpu');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'cpu');
  assert.not.match(r.stdout + r.stderr, /looks like you are running TensorFlow\.js in Node\.js/);
});

test.run();
