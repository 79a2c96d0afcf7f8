// Progress of long work on a terminal or in a log: on a terminal one line redrawn in place, otherwise (a
// pipe, a file, CI) a plain line every few seconds, so that logs show progress without a line per tick.

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressDisplay {
  show(line: string): void;
  /** Ends the redrawn line, so that what follows starts on a line of its own. */
  end(): void;
}

export interface DisplayOptions {
  /** How often a plain line is written when not on a terminal. */
  plainEveryMs?: number;
  /** Writes the first plain line at once rather than after `plainEveryMs`. */
  firstAtOnce?: boolean;
  now?: () => number;
}

export function progressDisplay(
  out: Output,
  { plainEveryMs = 5000, firstAtOnce = false, now = () => performance.now() }: DisplayOptions = {},
): ProgressDisplay {
  let shownAt = firstAtOnce ? Number.NEGATIVE_INFINITY : now();
  let drawn = false;
  return {
    show(line) {
      if (out.isTTY) {
        out.write(`\r${line}\u001b[K`);
        drawn = true;
      } else if (now() - shownAt >= plainEveryMs) {
        shownAt = now();
        out.write(`${line}\n`);
      }
    },
    end() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/** `rebuild: 420,000 of 1,000,000 events (42%), 41,000 events/s, about 14 s left`. */
export function foldLine(label: string, folded: number, total: number, elapsedMs: number): string {
  const percent = total === 0 ? 100 : Math.floor((folded * 100) / total);
  const rate = elapsedMs > 0 ? (folded * 1000) / elapsedMs : 0;
  const left =
    rate > 0 ? `about ${Math.ceil(Math.max(0, total - folded) / rate)} s left` : 'time left unknown';
  return `${label}: ${count(folded)} of ${count(total)} events (${percent}%), ${count(Math.round(rate))} events/s, ${left}`;
}

/** A callback for rebuild and verify that shows their progress under `label`. */
export function foldProgress(
  display: ProgressDisplay,
  label: string,
  now: () => number = () => performance.now(),
): (folded: number, total: number) => void {
  const started = now();
  return (folded, total) => display.show(foldLine(label, folded, total, now() - started));
}
