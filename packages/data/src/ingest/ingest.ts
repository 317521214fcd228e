// Ingestion of a real photo folder into the same records and shards as the synthetic set:
// - CelebA-style (img_align_celeba/ + list_attr_celeba.txt): labels mapped onto the taxonomy, fixed crop;
// - unlabelled JPEG/PNG folder: face detected, aligned by the eyes, cropped, with model attribute cues.
// Unreadable, unlabelled or faceless images are skipped with a reason and counted; the run goes on.
import { encodePng } from '../png/index.js';
import type { ShardIndex } from '../shards/index.js';
import { ShardWriter } from '../shards/index.js';
import { fnv1a } from '../shards/rng.js';
import { SPLITS, type Split, splitOf } from '../splits.js';
import type { VisibleAttributes } from '../taxonomy/index.js';
import { TAXONOMY_VERSION } from '../taxonomy/index.js';
import { celebaToAttributes, knownCount, parseCelebaAttrs } from './celeba.js';
import type { FaceCue } from './faces.js';
import { cuesToAttributes, FaceAnnotator } from './faces.js';
import { alignByEyes, celebaCrop, decodeImage } from './image.js';

export interface IngestQaPair {
  q: string;
  a: string;
  kind?: string;
  /** Attribute(s) the question is about (as in the synthetic records' QA). */
  attr?: string;
}

/** Caption and questions from attributes; must only talk about the non-null ones. */
export type Describe = (
  attrs: VisibleAttributes,
  seed: number,
) => { caption: string; mentioned?: string[]; qa: IngestQaPair[] };

export interface IngestOptions {
  /** Folder with img_align_celeba/ and list_attr_celeba.txt, or a folder of JPEG/PNG photos. */
  input: string;
  /** Output folder: shards and index per split in out/train, out/validation, out/test (like `generate`). */
  out: string;
  describe: Describe;
  mode?: 'auto' | 'celeba' | 'unlabelled';
  prefix?: string;
  /** Output side in pixels (default 64). */
  size?: number;
  samplesPerShard?: number;
  /** Stop after this many images looked at. */
  limit?: number;
  seed?: number;
  /** Unlabelled mode: the face model (default: FaceAnnotator.load()). */
  annotator?: { detect(img: { width: number; height: number; rgb: Uint8Array }): Promise<FaceCue[]> };
  /** Unlabelled mode: smallest accepted face box side in source pixels (default 40). */
  minFace?: number;
  onProgress?: (done: number, total: number, skipped: number) => void;
}

export interface IngestReport {
  mode: 'celeba' | 'unlabelled';
  seen: number;
  written: number;
  skipped: number;
  /** Skips by reason (the reason's first words, e.g. "corrupt JPEG", "no face found"). */
  reasons: Record<string, number>;
  skippedFiles: { file: string; reason: string }[];
  /** Lines of the label file that could not be parsed. */
  badLabelLines: number;
  /** Mean number of taxonomy attributes known per written record. */
  meanKnownAttributes: number;
  /** Shard index of each split's folder. */
  splits: Record<Split, ShardIndex>;
}

const IMAGE_RE = /\.(jpe?g|png)$/i;
const enc = new TextEncoder();

/** Skip with this reason (caught per image, never aborts the run). */
class Skip extends Error {}

export async function ingestFolder(o: IngestOptions): Promise<IngestReport> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const exists = (p: string) =>
    fs.stat(p).then(
      () => true,
      () => false,
    );
  const { makeDir } = await import('@unif2ace/common/node');
  await makeDir(o.out); // fail before reading any image when the output cannot be written
  const attrFile = path.join(o.input, 'list_attr_celeba.txt');
  const hasLabels = await exists(attrFile);
  const mode = o.mode === 'auto' || !o.mode ? (hasLabels ? 'celeba' : 'unlabelled') : o.mode;
  if (mode === 'celeba' && !hasLabels)
    throw new Error(`ingest: ${attrFile} not found (needed for CelebA mode)`);
  const imageDir =
    mode === 'celeba' && (await exists(path.join(o.input, 'img_align_celeba')))
      ? path.join(o.input, 'img_align_celeba')
      : o.input;
  const files = (await fs.readdir(imageDir)).filter((f) => IMAGE_RE.test(f)).sort();
  const total = Math.min(files.length, o.limit ?? Number.POSITIVE_INFINITY);
  const size = o.size ?? 64;
  const labels =
    mode === 'celeba' ? parseCelebaAttrs(await fs.readFile(attrFile, 'utf8'), attrFile) : undefined;
  const annotator = mode === 'unlabelled' ? (o.annotator ?? (await FaceAnnotator.load())) : undefined;

  const writers = {} as Record<Split, ShardWriter>;
  for (const split of SPLITS) {
    const dir = path.join(o.out, split);
    writers[split] = new ShardWriter({
      dir,
      prefix: o.prefix ?? 'faces',
      samplesPerShard: o.samplesPerShard ?? 1000,
    });
  }
  const closeAll = async () => {
    const out = {} as Record<Split, ShardIndex>;
    for (const split of SPLITS) out[split] = await writers[split].close();
    return out;
  };
  const report: Omit<IngestReport, 'splits'> = {
    mode,
    seen: 0,
    written: 0,
    skipped: 0,
    reasons: {},
    skippedFiles: [],
    badLabelLines: labels?.bad.length ?? 0,
    meanKnownAttributes: 0,
  };
  const keys = new Set<string>();
  let known = 0;
  try {
    for (let i = 0; i < total; i++) {
      const file = files[i];
      report.seen++;
      try {
        const bytes = new Uint8Array(
          await fs.readFile(path.join(imageDir, file)).catch((e) => {
            throw new Skip(`unreadable file: ${(e as Error).message}`);
          }),
        );
        let attributes: VisibleAttributes;
        let image: { rgb: Uint8Array };
        let extra: Record<string, unknown>;
        if (labels) {
          const l = labels.rows.get(file);
          if (!l) throw new Skip('no labels in list_attr_celeba.txt');
          const img = decodeOrSkip(bytes);
          image = celebaCrop(img, size);
          attributes = celebaToAttributes(l);
          extra = { labels: l };
        } else {
          const img = decodeOrSkip(bytes);
          const faces = await (annotator as NonNullable<typeof annotator>).detect(img).catch((e) => {
            throw new Skip(`face model failed: ${(e as Error).message}`);
          });
          if (faces.length === 0) throw new Skip('no face found');
          const f = faces[0];
          const side = Math.min(f.box.width, f.box.height);
          if (side < (o.minFace ?? 40)) throw new Skip(`face too small (${Math.round(side)} px)`);
          image = alignByEyes(img, f.leftEye, f.rightEye, size);
          attributes = cuesToAttributes(f);
          extra = { cues: { ...f, faces: faces.length } };
        }
        const key = uniqueKey(file, keys);
        // Like the synthetic records: a seed (from the file name) that fixes the split; --seed varies text.
        const seed = Number.parseInt(fnv1a(file), 16);
        const { caption, mentioned, qa } = o.describe(
          attributes,
          (seed + Math.imul(o.seed ?? 0, 0x9e3779b1)) >>> 0,
        );
        const record = {
          id: key,
          index: i,
          seed,
          split: splitOf(seed),
          taxonomy: TAXONOMY_VERSION,
          size,
          attributes,
          caption,
          mentioned: mentioned ?? [],
          qa,
          source: { kind: mode, file },
          ...extra,
        };
        await writers[record.split].add(key, {
          png: encodePng(image.rgb, size, size),
          json: enc.encode(JSON.stringify(record)),
        });
        report.written++;
        known += knownCount(attributes);
      } catch (e) {
        if (!(e instanceof Skip)) throw new Error(`ingest: ${file}: ${(e as Error).message}`, { cause: e });
        report.skipped++;
        const reason = e.message;
        const head = reason.split(':')[0];
        report.reasons[head] = (report.reasons[head] ?? 0) + 1;
        report.skippedFiles.push({ file, reason });
      }
      o.onProgress?.(i + 1, total, report.skipped);
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  const splits = await closeAll();
  report.meanKnownAttributes = report.written ? known / report.written : 0;
  return { ...report, splits };
}

function decodeOrSkip(bytes: Uint8Array) {
  try {
    return decodeImage(bytes);
  } catch (e) {
    throw new Skip((e as Error).message);
  }
}

/** Shard key from a file name: its stem with anything but [A-Za-z0-9_-] replaced, made unique. */
function uniqueKey(file: string, used: Set<string>): string {
  const stem = file.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'img';
  let key = stem;
  for (let n = 1; used.has(key); n++) key = `${stem}_${n}`;
  used.add(key);
  return key;
}
