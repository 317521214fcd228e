// `unif2ace-data tokenizer train|encode|decode`: byte-level BPE on the captions and QA of shards.
import { readFile } from 'node:fs/promises';
import { makeDir } from '@unif2ace/common/node';
import { readShards, sampleJson } from '../shards/index.js';
import { BpeTokenizer, WordCounter } from '../tokenizer/index.js';
import { existingFolder, intOption, parseCommand, UsageError } from './args.js';

const USAGE = `usage:
  unif2ace-data tokenizer train --out DIR (--shards DIR | --urls PATTERN | --text FILE)... [--vocab 1000] [--min-frequency 2]
      trains on every caption, question and answer of the shards' JSON records (or each line of FILE) and
      writes DIR/tokenizer.json and DIR/tokenizer_config.json; a dataset folder with train/ validation/
      test/ (from generate or ingest) trains on its train split
  unif2ace-data tokenizer encode --tokenizer DIR [TEXT...]   ids of each TEXT (or each stdin line), one JSON array a line
  unif2ace-data tokenizer decode --tokenizer DIR ID...       text of the ids`;

/** Texts of one shard record: caption(s), questions and answers. */
export function recordTexts(rec: unknown): string[] {
  const out: string[] = [];
  const r = rec as { caption?: unknown; captions?: unknown; qa?: unknown };
  for (const c of [r.caption, r.captions].flat()) if (typeof c === 'string') out.push(c);
  if (Array.isArray(r.qa)) {
    for (const p of r.qa as Record<string, unknown>[]) {
      for (const k of ['q', 'a', 'question', 'answer'])
        if (typeof p?.[k] === 'string') out.push(p[k] as string);
    }
  }
  return out;
}

export async function tokenizerCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return 0;
  }
  const C = `tokenizer ${cmd ?? ''}`.trim();
  const { values, positionals } = parseCommand(C, {
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      shards: { type: 'string', multiple: true },
      urls: { type: 'string', multiple: true },
      text: { type: 'string', multiple: true },
      vocab: { type: 'string', default: '1000' },
      'min-frequency': { type: 'string', default: '2' },
      tokenizer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !cmd) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (cmd === 'train') {
    if (!values.out || !(values.shards || values.urls || values.text))
      throw new UsageError(`${C}: need --out and a source (--shards, --urls or --text; see --help)`);
    const vocabSize = intOption(C, 'vocab', values.vocab, { min: 1 }) as number;
    const minFrequency = intOption(C, 'min-frequency', values['min-frequency'], { min: 1 }) as number;
    for (const dir of values.shards ?? []) await existingFolder(C, '--shards', dir);
    await makeDir(values.out); // fail before training when the output cannot be written
    const counter = new WordCounter();
    let records = 0;
    const sources = [
      ...(await Promise.all((values.shards ?? []).map(trainingShards))).map((dir) => readShards({ dir })),
      ...(values.urls ?? []).map((urls) => readShards({ urls })),
    ];
    for (const src of sources) {
      for await (const s of src) {
        for (const t of recordTexts(sampleJson(s))) counter.add(t);
        records++;
      }
    }
    for (const file of values.text ?? []) {
      const text = await readFile(file, 'utf8').catch((e: Error) => {
        throw new UsageError(`${C}: --text ${file}: ${e.message}`);
      });
      for (const line of text.split('\n')) if (line) counter.add(line);
    }
    const t0 = performance.now();
    const tok = BpeTokenizer.train(counter, {
      vocabSize,
      minFrequency,
    });
    await tok.save(values.out);
    console.log(
      `trained on ${counter.texts} texts (${records} records, ${counter.counts.size} distinct words) in ` +
        `${((performance.now() - t0) / 1000).toFixed(2)} s: text vocab ${tok.textVocabSize} + ${tok.numSpecials} specials -> ${values.out}`,
    );
    return 0;
  }
  if (cmd === 'encode' || cmd === 'decode') {
    if (!values.tokenizer) throw new UsageError(`${C}: need --tokenizer DIR (see --help)`);
    const ids = cmd === 'decode' ? positionals.map((p) => intOption(C, 'ID', p) as number) : [];
    const tok = await BpeTokenizer.load(values.tokenizer);
    if (cmd === 'decode') {
      console.log(tok.decode(ids));
      return 0;
    }
    const texts = positionals.length ? positionals : (await readStdin()).split('\n').filter(Boolean);
    for (const t of texts) console.log(JSON.stringify(tok.encode(t)));
    return 0;
  }
  throw new UsageError(`tokenizer: unknown command "${cmd}" (train, encode or decode; see --help)`);
}

/** A dataset folder laid out by `generate` / `ingest` (DIR/train, …) trains on DIR/train only. */
async function trainingShards(dir: string): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const names = await readdir(dir);
  if (names.some((n) => n.endsWith('.tar')) || !names.includes('train')) return dir;
  console.log(`tokenizer train: ${dir} holds splits; training on ${dir}/train`);
  return `${dir}/train`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Entry point for src/cli.ts. */
export const run = tokenizerCli;
