/** Progress of long jobs: a bar on a terminal, a line every few seconds elsewhere (CI, logs). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, rows: number): void;
  stop(): void;
}

export function progress(label: string, enabled = true): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {rows} rows | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, rows) {
        if (!started) {
          bar.start(Math.max(total, 1), 0, { rows });
          started = true;
        }
        bar.update(Math.min(done, total), { rows });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = Date.now();
  return {
    update(done, total, rows) {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      process.stderr.write(`${label}: ${total ? Math.floor((100 * done) / total) : 0}% (${rows} rows)\n`);
    },
    stop: () => undefined,
  };
}
