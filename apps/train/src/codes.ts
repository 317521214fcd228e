// Every training image goes through the image tokenizer once: its codes are cached in the run folder
// (RUN/codes/<split>/chunk-NNNNNN.bin, Int32 little-endian, `chunk` faces each, written atomically), so a
// killed encoding resumes at the first missing chunk and training never runs the encoder. A fingerprint of
// the tokenizer's files and the split's shard index guards the cache.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirSync, writeFileAtomicSync } from '@unif2ace/common/node';
import { decodePng, readShards, type Split } from '@unif2ace/data';
import { imagesToTensor, type RgbImage } from '@unif2ace/eval';
import type { ImageTokenizer } from '@unif2ace/vq';
import type { Log } from './log.js';

const CHUNK = 256;

function fingerprint(dataDir: string, split: Split, tokenizerDir: string): string {
  const h = createHash('sha256');
  for (const f of [
    join(tokenizerDir, 'config.json'),
    join(tokenizerDir, 'model.safetensors'),
    join(dataDir, split, 'faces-index.json'),
  ])
    h.update(readFileSync(f));
  return h.digest('hex');
}

/** Codes of every face of DIR/<split> (shard order), one Int32Array of grid h·w codes per face. */
export async function encodeSplit(opts: {
  dataDir: string;
  split: Split;
  runDir: string;
  tokenizer: ImageTokenizer;
  tokenizerDir: string;
  count: number;
  batch?: number;
  log: Log;
}): Promise<Int32Array[]> {
  const { dataDir, split, runDir, tokenizer, log, count } = opts;
  const batch = opts.batch ?? 32;
  const dir = join(runDir, 'codes', split);
  const metaPath = join(dir, 'meta.json');
  const N = tokenizer.gridSize[0] * tokenizer.gridSize[1];
  const meta = { fingerprint: fingerprint(dataDir, split, opts.tokenizerDir), codesPerFace: N, chunk: CHUNK };
  if (existsSync(metaPath)) {
    const old = JSON.parse(readFileSync(metaPath, 'utf8'));
    if (old.fingerprint !== meta.fingerprint || old.codesPerFace !== N || old.chunk !== CHUNK) {
      log.line(`codes: ${dir} was made from other data or another tokenizer; encoding again`);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  makeDirSync(dir);
  writeFileAtomicSync(metaPath, JSON.stringify(meta));

  const chunkPath = (c: number) => join(dir, `chunk-${String(c).padStart(6, '0')}.bin`);
  const nChunks = Math.ceil(count / CHUNK);
  const missing = Array.from({ length: nChunks }, (_, c) => c).filter((c) => !existsSync(chunkPath(c)));
  if (missing.length) {
    const t0 = performance.now();
    let encoded = 0;
    const todo = missing.reduce((s, c) => s + Math.min(CHUNK, count - c * CHUNK), 0);
    let pending: RgbImage[] = [];
    let chunkCodes: Int32Array[] = [];
    let i = 0;
    const todoSet = new Set(missing);
    const flush = async () => {
      if (!pending.length) return;
      const x = imagesToTensor(pending);
      const codes = tokenizer.encode(x);
      const data = (await codes.data()) as Int32Array;
      x.dispose();
      codes.dispose();
      for (let b = 0; b < pending.length; b++) chunkCodes.push(data.slice(b * N, (b + 1) * N));
      encoded += pending.length;
      pending = [];
      const secs = (performance.now() - t0) / 1000;
      log.status(
        `encoding ${split} faces to codes: ${encoded}/${todo} (${(encoded / secs).toFixed(1)} faces/s, ETA ${Math.round((todo - encoded) / (encoded / secs))} s)`,
      );
    };
    for await (const s of readShards({ dir: join(dataDir, split), prefix: 'faces' })) {
      if (i >= count) break;
      const c = Math.floor(i / CHUNK);
      i++;
      if (!todoSet.has(c)) continue;
      const png = s.files.png;
      if (!png) throw new Error(`codes: ${s.shard} sample ${s.key} has no .png member`);
      const img = decodePng(png, `${s.shard}:${s.key}.png`);
      if (img.width !== tokenizer.imageSize || img.height !== tokenizer.imageSize)
        throw new Error(
          `codes: ${s.shard} sample ${s.key} is ${img.width}x${img.height}, the image tokenizer reads ${tokenizer.imageSize} px`,
        );
      pending.push({ rgb: img.rgb, width: img.width, height: img.height });
      if (pending.length === batch) await flush();
      if (i % CHUNK === 0 || i === count) {
        await flush();
        const out = new Int32Array(chunkCodes.length * N);
        for (let k = 0; k < chunkCodes.length; k++) out.set(chunkCodes[k], k * N);
        writeFileAtomicSync(chunkPath(c), new Uint8Array(out.buffer));
        chunkCodes = [];
      }
    }
    if (i < count) throw new Error(`codes: ${join(dataDir, split)} holds ${i} faces, expected ${count}`);
    log.line(
      `codes: encoded ${encoded} ${split} faces in ${((performance.now() - t0) / 1000).toFixed(1)} s (${tokenizer.gridSize.join('x')} codes each) -> ${dir}`,
    );
  }
  const out: Int32Array[] = [];
  for (let c = 0; c < nChunks; c++) {
    const b = readFileSync(chunkPath(c));
    const all = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const n = all.length / N;
    if (n !== Math.min(CHUNK, count - c * CHUNK))
      throw new Error(
        `codes: ${chunkPath(c)} holds ${n} faces, expected ${Math.min(CHUNK, count - c * CHUNK)}; delete it to re-encode`,
      );
    for (let k = 0; k < n; k++) out.push(all.subarray(k * N, (k + 1) * N));
  }
  return out;
}
