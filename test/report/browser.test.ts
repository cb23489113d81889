/**
 * A small report opened in headless Chromium (Debian's `chromium`, installed by .ci/run): no
 * console or page errors, no request beyond the file itself (the report is self-contained), and
 * every plot has rendered marks. Skipped with a message when chromium is missing locally; never
 * skipped under CI=true.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runChains } from '../../samplers/runner.ts';
import { summariseRun } from '../../samplers/runner_analysis.ts';
import { deviationSigma, exactReference } from '../../samplers/runner_exact.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { buildReport } from '../../src/report/html.ts';
import { loadReportInput } from '../../src/report/load.ts';
import { chainsRecord, type RunRecord } from '../../src/report/records.ts';

const chromiumPath = process.env.GAUGEFLOW_CHROMIUM ?? '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const model = fileURLToPath(new URL('../../bench/models/u1-L8-b2-energy.model.json', import.meta.url));

async function smallReport(): Promise<{ html: string; plots: number }> {
  const records: RunRecord[] = [...loadReportInput(model).records];
  for (const beta of [1, 2]) {
    const spec: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L: 4, beta, trajLength: 1, mdSteps: 10 };
    const run = await runChains({ spec, seed: 'browser', chains: 2, workers: 0, nPerChain: 400, therm: 20 });
    const summary = summariseRun(run);
    const exact = exactReference(spec);
    records.push(chainsRecord({ label: `hmc L=4 β=${beta}`, spec, run, summary, exact: exact!.values, deviationSigma: deviationSigma(summary.observables, exact) }));
  }
  const html = await buildReport(records, { source: 'browser test' });
  // training loss and ESS, τ_int against β, and per run: 2 histories, 2 ACFs, 1 charge histogram
  return { html, plots: 2 + 1 + 2 * 5 };
}

if (!existsSync(chromiumPath) && !ci) {
  console.log(`report/browser: skipped, ${chromiumPath} not found (apt-get install chromium; CI installs it in .ci/run)`);
} else {
  test('report in headless Chromium: no errors, no network, every plot has marks', async () => {
    const { chromium } = await import('playwright-core');
    const { html, plots } = await smallReport();
    const dir = mkdtempSync(join(tmpdir(), 'gf-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1100, height: 1300 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      const figures = await page.$$eval('figure.plot', (figs) =>
        figs.map((f) => {
          const marks = [...f.querySelectorAll('svg .role-mark > *')].filter((m) => {
            const b = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return b.width > 0 || b.height > 0;
          });
          const svg = f.querySelector('svg')!.getBoundingClientRect();
          return { id: f.id, marks: marks.length, width: svg.width, height: svg.height };
        }),
      );
      if (process.env.GAUGEFLOW_REPORT_SCREENSHOT) await page.screenshot({ path: process.env.GAUGEFLOW_REPORT_SCREENSHOT });
      assert.equal(errors, []);
      assert.equal(requests, [url], 'the report loads nothing but itself');
      assert.is(figures.length, plots, figures.map((f) => f.id).join(', '));
      for (const f of figures) {
        assert.ok(f.marks > 0, `${f.id}: no rendered marks`);
        assert.ok(f.width > 200 && f.height > 100, `${f.id}: ${f.width}×${f.height}`);
      }
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
