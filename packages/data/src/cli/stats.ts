// `unif2ace-data stats DIR [--sheet 64]`: prints histograms, writes DIR/stats.json and DIR/contact-sheet.png.
import { writeFileAtomic } from '@unif2ace/common/node';
import { encodePng } from '../png/encode.js';
import { datasetStats, formatStats } from '../stats.js';
import { existingFolder, intOption, parseCommand, UsageError } from './args.js';

const HELP = `usage: unif2ace-data stats DIR [--sheet 64]

Prints attribute histograms, caption lengths and QA counts of the dataset in DIR and writes
DIR/stats.json and DIR/contact-sheet.png (the first --sheet faces).`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('stats', {
    args: args,
    allowPositionals: true,
    options: {
      sheet: { type: 'string', default: '64' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dir = positionals[0];
  if (!dir || positionals.length > 1)
    throw new UsageError(`stats: expected one DIR, got ${positionals.length} (see --help)`);
  const sheetN = intOption('stats', 'sheet', values.sheet, { max: 4096 }) as number;
  await existingFolder('stats', 'DIR', dir);
  const { stats, sheet } = await datasetStats(dir, { sheet: sheetN });
  console.log(formatStats(stats));
  await writeFileAtomic(`${dir}/stats.json`, `${JSON.stringify(stats, null, 2)}\n`);
  if (sheet) {
    await writeFileAtomic(`${dir}/contact-sheet.png`, encodePng(sheet.rgb, sheet.width, sheet.height));
    console.log(`\nwrote ${dir}/stats.json and ${dir}/contact-sheet.png (${sheet.width}x${sheet.height})`);
  }
  return 0;
}
