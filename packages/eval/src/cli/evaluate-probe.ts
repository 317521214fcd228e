// `unif2ace-eval evaluate-probe [--model DIR] [--count N] [--seed S] [--robustness] [--json FILE]`
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { init } from '@unif2ace/tensor';
import { heldOutFaces } from '../probe/faces.js';
import { FaceProbe } from '../probe/probe.js';
import { standardCorruptions } from '../report/corrupt.js';
import { evaluateProbe, evaluateRobustness } from '../report/evaluate.js';
import { accuracyTable, markdownTable } from '../report/markdown.js';

const HELP = `usage: unif2ace-eval evaluate-probe [--model DIR] [--count 2000] [--seed 0] [--robustness] [--json FILE]

Per-attribute accuracy of a FaceProbe (default: the weights shipped in @unif2ace/eval) on --count held-out
(test-split) faces of base seed --seed; with --robustness also under JPEG q75, +-2 px shifts and blur sigma 0.5.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      count: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '0' },
      robustness: { type: 'boolean', default: false },
      json: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 2)
    throw new Error(`evaluate-probe: --count must be an integer >= 2, got "${values.count}"`);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`evaluate-probe: --seed must be a non-negative integer, got "${values.seed}"`);
  const threads = values.threads ? Number(values.threads) : undefined;
  await init({ backend: 'auto', wasm: threads ? { threads } : undefined });
  const probe = await FaceProbe.load(values.model);
  const faces = heldOutFaces(count, { seed });
  const t0 = Date.now();
  const acc = await evaluateProbe(probe, { faces });
  console.log(accuracyTable(acc, probe.unreliable));
  console.log(
    `\n${count} held-out faces (test split, base seed ${seed}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const report: Record<string, unknown> = { accuracy: acc };
  if (values.robustness) {
    const rob = await evaluateRobustness(probe, standardCorruptions(), { faces });
    console.log(
      `\n${markdownTable(
        [
          'corruption',
          'all 29 %',
          'drop (points)',
          'judged attributes %',
          'drop (points)',
          'worst attribute',
          'its drop',
          'worst judged',
          'its drop',
        ],
        [
          [
            'none',
            (100 * rob.clean).toFixed(2),
            '0.00',
            (100 * rob.cleanJudged).toFixed(2),
            '0.00',
            '',
            '',
            '',
            '',
          ],
          ...rob.rows.map((r) => [
            r.corruption,
            (100 * r.overall).toFixed(2),
            r.drop.toFixed(2),
            (100 * r.judged).toFixed(2),
            r.judgedDrop.toFixed(2),
            r.worst.name,
            r.worst.drop.toFixed(2),
            r.worstJudged.name,
            r.worstJudged.drop.toFixed(2),
          ]),
        ],
        ['left', 'right', 'right', 'right', 'right', 'left', 'right', 'left', 'right'],
      )}`,
    );
    report.robustness = rob;
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 1)}\n`);
  probe.dispose();
  return 0;
}
