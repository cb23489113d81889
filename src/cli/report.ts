/**
 * `gaugeflow report <run dir | result.json> --out report.html [--force]`: one self-contained HTML
 * file with the run's tables and plots (src/report/). --out is checked before anything is read or
 * rendered, never overwritten without --force, and written to a temporary name then renamed. Ctrl-C
 * while it reads or renders writes nothing (exit 130). Nothing here is sized by flags: the inputs
 * are decimated run records (src/report/decimate.ts), so no memory estimate is needed.
 */
import { resolve } from 'node:path';
import { flagHelp, parseFlags, UsageError, type FlagSpecs } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { checkOutputPath, writeFileAtomic } from './output-file.ts';

const specs = {
  out: { type: 'string', help: 'the HTML file to write (required)' },
  title: { type: 'string', help: 'heading of the report [gaugeflow report]' },
  force: { type: 'boolean', help: 'overwrite --out if it exists' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

const HELP = `usage: gaugeflow report <run dir | result.json> --out report.html [--force]

Reads a run directory (written by --run-dir of train, sample, showcase or bench freezing), one
run record, sample/train --json output, a gauge model file or the freezing benchmark's JSON, and
writes one self-contained HTML file (plots as inline SVG; opens offline).

flags:
${flagHelp(specs)}`;

export async function run(argv: string[]): Promise<number> {
  const input = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : undefined;
  const flags = parseFlags(input === undefined ? argv : argv.slice(1), specs);
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  if (input === undefined) throw new UsageError('give the run directory or result JSON to report on, e.g. gaugeflow report out/run --out report.html');
  if (!flags.out) throw new UsageError('--out <report.html> is required');
  checkOutputPath(flags.out, { force: flags.force, inputs: [input], flag: '--out' });
  const interrupt = onInterrupt('report', `stopping; ${flags.out} will not be written`);
  let data;
  let html;
  try {
    const { loadReportInput } = await import('../report/load.ts');
    const { buildReport } = await import('../report/html.ts');
    data = loadReportInput(input);
    html = await buildReport(data.records, { source: data.source, ...(flags.title ? { title: flags.title } : {}) });
    if (interrupt.interrupted) {
      console.error(`gaugeflow report: interrupted — nothing written (${flags.out} is unchanged)`);
      return interrupt.exitCode;
    }
    writeFileAtomic(flags.out, html, 'report');
  } finally {
    interrupt.close();
  }
  console.log(`report written to ${resolve(flags.out)} (${data.records.length} record${data.records.length === 1 ? '' : 's'}, ${(html.length / 1024).toFixed(0)} KiB)`);
  return 0;
}
