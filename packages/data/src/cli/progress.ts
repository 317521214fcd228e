// A one-line terminal progress bar (redrawn at most every 200 ms; plain lines when not a TTY).
export class ProgressBar {
  private last = 0;
  private lastPct = -1;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number, elapsedMs: number, fresh: number, force = false): void {
    const now = Date.now();
    const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
    if (!force && now - this.last < 200) return;
    if (!this.stream.isTTY && !force && pct - this.lastPct < 10) return;
    this.last = now;
    this.lastPct = pct;
    const rate = elapsedMs > 0 ? (fresh * 1000) / elapsedMs : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const width = 30;
    const fill = Math.round((width * pct) / 100);
    const bar = `${'#'.repeat(fill)}${'.'.repeat(width - fill)}`;
    const line = `${this.label} [${bar}] ${String(pct).padStart(3)}% ${done}/${total} ${rate.toFixed(0)} img/s ETA ${formatTime(eta)}`;
    this.stream.write(this.stream.isTTY ? `\r${line}` : `${line}\n`);
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

export function formatTime(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
