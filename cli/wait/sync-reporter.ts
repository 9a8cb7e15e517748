import cliProgress from 'cli-progress';
import type { CliIo } from '../command-context.ts';

/** Shows "proxies synced N/M": a progress bar on a terminal, a plain line per change otherwise. */
export interface SyncReporter {
  update(synced: number, total: number): void;
  stop(): void;
}

export function syncReporter(stream: CliIo['stdout']): SyncReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'proxies synced {value}/{total} {bar} {percentage}%',
        stream: stream as NodeJS.WritableStream,
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(synced, total) {
        if (!started) {
          bar.start(total, synced);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(synced);
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = '';
  return {
    update(synced, total) {
      const line = `proxies synced ${synced}/${total}`;
      if (line !== last) stream.write(line + '\n');
      last = line;
    },
    stop: () => undefined,
  };
}
