// Counting right answers by key: the shared shape of every per-kind / per-group / per-attribute figure.

export interface Tally {
  correct: number;
  total: number;
  /** correct / total (NaN when total is 0). */
  accuracy: number;
}

export class Tallies {
  private readonly m = new Map<string, { correct: number; total: number }>();
  add(key: string, ok: boolean): void {
    const t = this.m.get(key) ?? { correct: 0, total: 0 };
    t.total++;
    if (ok) t.correct++;
    this.m.set(key, t);
  }
  /** Keys sorted, each with its accuracy. */
  toJSON(): Record<string, Tally> {
    const out: Record<string, Tally> = {};
    for (const k of [...this.m.keys()].sort()) {
      const t = this.m.get(k)!;
      out[k] = { ...t, accuracy: t.total ? t.correct / t.total : Number.NaN };
    }
    return out;
  }
}

export function tally(correct: number, total: number): Tally {
  return { correct, total, accuracy: total ? correct / total : Number.NaN };
}
