// Terminal output on stderr: `line` for messages, `status` for a line that a TTY redraws in place (plain
// lines otherwise), and the training progress line (bar, step, losses, tokens/s, ETA).

export interface Log {
  line(s: string): void;
  status(s: string): void;
  /** End a redrawn status line (TTY) before other output. */
  flush(): void;
}

export function makeLog(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  quiet = false,
): Log {
  let open = false;
  const tty = !!stream.isTTY;
  return {
    line(s) {
      if (quiet) return;
      if (open) stream.write('\n');
      open = false;
      stream.write(`${s}\n`);
    },
    status(s) {
      if (quiet) return;
      if (tty) {
        stream.write(`\r${s}\x1b[K`);
        open = true;
      } else stream.write(`${s}\n`);
    },
    flush() {
      if (open && !quiet) stream.write('\n');
      open = false;
    },
  };
}

/** 75 s -> "1m15s", 3725 s -> "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "90s", "30m", "2h", "1h30m", "1.5h" -> seconds; errors name the option. */
export function parseDuration(text: string, option = '--budget'): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)\s*(h|m|s)/gy;
  let total = 0;
  let matched = 0;
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    matched = re.lastIndex;
  }
  if (!t || matched !== t.length || !(total > 0))
    throw new RangeError(`${option} must be a duration such as 90s, 30m, 2h or 1h30m, got "${text}"`);
  return total;
}

/** One progress line: [#####.....] step/total loss ... tok/s ETA. */
export function progressLine(p: {
  step: number;
  steps: number;
  loss: number;
  parts: Record<string, number>;
  lr: number;
  tokensPerSec: number;
  secPerStep: number;
}): string {
  const frac = p.steps ? p.step / p.steps : 1;
  const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '.');
  const parts = Object.entries(p.parts)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');
  const eta = (p.steps - p.step) * p.secPerStep;
  return `[${bar}] ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} (${parts}) lr ${p.lr.toExponential(2)} ${p.tokensPerSec.toFixed(0)} tok/s ${p.secPerStep.toFixed(2)} s/step ETA ${formatDuration(eta)}`;
}
