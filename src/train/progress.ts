/** A progress bar on a TTY only (never under CI or when JSON output is requested). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(step: number, info: Record<string, string | number>): void;
  /** change the bar's total (a time budget re-plans the number of steps) */
  setTotal(total: number): void;
  stop(): void;
}

export function makeProgress(total: number, opts: { json?: boolean; label?: string } = {}): Progress {
  const enabled = !opts.json && !process.env.CI && process.stderr.isTTY === true;
  if (!enabled) return { update() {}, setTotal() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${opts.label ?? 'train'} [{bar}] {value}/{total} loss {loss} {extra}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '-', extra: '' });
  return {
    update(step, info) {
      const { loss, ...rest } = info;
      bar.update(step, { loss: typeof loss === 'number' ? loss.toFixed(4) : loss ?? '-', extra: Object.entries(rest).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(3) : v}`).join(' ') });
    },
    setTotal(total) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}
