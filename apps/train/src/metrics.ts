// metrics.jsonl: one JSON object per line — `kind: "train"` per step (losses, lr, grad norm, tokens,
// seconds) and `kind: "eval"` at sample steps (validation VQA accuracy, captions). A resumed run first
// drops the rows after its checkpoint's step, so the file always reads like one uninterrupted run.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '@unif2ace/common/node';
import { lineChart, type Series, stack, toPng } from './plot.js';

export interface MetricsRow {
  kind: 'train' | 'eval' | 'routing';
  step: number;
  [key: string]: unknown;
}

export class Metrics {
  constructor(readonly path: string) {}

  rows(): MetricsRow[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l, i) => {
        try {
          return JSON.parse(l) as MetricsRow;
        } catch {
          throw new Error(`${this.path}:${i + 1}: not a JSON line`);
        }
      });
  }

  append(row: MetricsRow): void {
    appendFileSync(this.path, `${JSON.stringify(row)}\n`);
  }

  /** Keep only the rows of steps <= step (a torn last line, from a kill mid-write, goes too). */
  truncate(step: number): void {
    if (!existsSync(this.path)) {
      writeFileAtomicSync(this.path, '');
      return;
    }
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => {
        if (!l.trim()) return false;
        try {
          return (JSON.parse(l) as MetricsRow).step <= step;
        } catch {
          return false;
        }
      });
    writeFileAtomicSync(this.path, kept.length ? `${kept.join('\n')}\n` : '');
  }

  /** The loss curves (total and per part, smoothed) above the validation VQA accuracy, as a PNG file. */
  plot(path: string): void {
    const rows = this.rows();
    const train = rows.filter((r) => r.kind === 'train');
    const evals = rows.filter((r) => r.kind === 'eval' && typeof r.vqa === 'number');
    const smooth = (key: string): Series => {
      const pts: { x: number; y: number }[] = [];
      const w = Math.max(1, Math.round(train.length / 100));
      for (let i = 0; i < train.length; i += w) {
        const chunk = train
          .slice(i, i + w)
          .map((r) => r[key])
          .filter((v): v is number => typeof v === 'number');
        if (chunk.length)
          pts.push({
            x: train[Math.min(i + w, train.length) - 1].step,
            y: chunk.reduce((a, b) => a + b, 0) / chunk.length,
          });
      }
      return { name: key, points: pts };
    };
    const keys = ['loss', 't2i', 'mmu', 'balance'].filter((k) => train.some((r) => typeof r[k] === 'number'));
    const loss = lineChart(keys.map(smooth), {
      title: 'TRAINING LOSS (MEAN PER STEP WINDOW)',
      xLabel: 'STEP',
    });
    const parts = [loss];
    if (evals.length)
      parts.push(
        lineChart(
          [
            { name: 'vqa', points: evals.map((r) => ({ x: r.step, y: 100 * (r.vqa as number) })) },
            ...(evals.some((r) => typeof r.captionRecall === 'number')
              ? [
                  {
                    name: 'caption recall',
                    points: evals.map((r) => ({
                      x: r.step,
                      y: 100 * ((r.captionRecall as number) ?? Number.NaN),
                    })),
                  },
                ]
              : []),
          ],
          {
            title: 'VALIDATION VQA EXACT MATCH AND CAPTION RECALL (%)',
            xLabel: 'STEP',
            yMin: 0,
            yMax: 100,
            height: 220,
          },
        ),
      );
    writeFileAtomicSync(path, toPng(stack(parts)));
  }
}
