// Minimal ustar (POSIX.1-1988) writer and streaming reader, written by hand: 512-byte headers with a
// checksum, regular files only. Enough for WebDataset shards; other readers (GNU tar, Python tarfile,
// webdataset) open what we write.

export const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

/** An error in one shard, naming the shard, the tar member and its byte offset. */
export class ShardError extends Error {
  constructor(
    readonly shard: string,
    readonly member: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `shard ${shard}, member ${printable(member)}${offset >= 0 ? ` (offset ${offset})` : ''}: ${reason}`,
    );
    this.name = 'ShardError';
  }
}

/** A member name fit for one line of an error message: a garbage header holds arbitrary bytes. */
function printable(name: string): string {
  if (name.length <= 120 && /^[\x20-\x7e]*$/.test(name)) return name;
  const escaped = name.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped.length > 60 ? `${escaped.slice(0, 60)}…` : escaped}" (not a valid name)`;
}

function writeString(h: Uint8Array, at: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new Error(`tar header field too long (${b.length} > ${len} bytes): ${s}`);
  h.set(b, at);
}

function writeOctal(h: Uint8Array, at: number, len: number, v: number): void {
  // len-1 octal digits, then NUL.
  const s = v.toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) throw new Error(`tar header value ${v} does not fit ${len - 1} octal digits`);
  writeString(h, at, len, `${s}\0`);
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum;
}

/** A ustar header block for a regular file. Names over 100 bytes are split into prefix/name at a '/'. */
export function tarHeader(path: string, size: number, mtime = 0): Uint8Array {
  const h = new Uint8Array(BLOCK);
  let name = path;
  let prefix = '';
  if (enc.encode(path).length > 100) {
    const cut = path.lastIndexOf('/', 155);
    if (cut <= 0 || enc.encode(path.slice(cut + 1)).length > 100) {
      throw new Error(`tar member name too long for ustar: ${path}`);
    }
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime);
  h[156] = 0x30; // '0': regular file
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'unif2ace');
  writeString(h, 297, 32, 'unif2ace');
  writeString(h, 345, 155, prefix);
  const sum = checksum(h);
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Bytes of zero padding after a member of `size` bytes. */
export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** The two zero blocks that end an archive. */
export const endOfArchive = (): Uint8Array => new Uint8Array(2 * BLOCK);

/** A whole tar archive in memory (tests, browser use). */
export function buildTar(members: { name: string; data: Uint8Array }[], mtime = 0): Uint8Array {
  let total = 2 * BLOCK;
  for (const m of members) total += BLOCK + m.data.length + padding(m.data.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const m of members) {
    out.set(tarHeader(m.name, m.data.length, mtime), at);
    out.set(m.data, at + BLOCK);
    at += BLOCK + m.data.length + padding(m.data.length);
  }
  return out;
}

/** Reads exact byte counts from an async stream of chunks. */
class ByteReader {
  private chunks: Uint8Array[] = [];
  private have = 0;
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Uint8Array> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
    const len = Math.min(n, this.have);
    const out = new Uint8Array(len);
    let at = 0;
    while (at < len) {
      const c = this.chunks[0];
      const take = Math.min(c.length, len - at);
      out.set(c.subarray(0, take), at);
      at += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.have -= len;
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function readString(h: Uint8Array, at: number, len: number): string {
  const f = h.subarray(at, at + len);
  const end = f.indexOf(0);
  return dec.decode(end < 0 ? f : f.subarray(0, end));
}

function readOctal(h: Uint8Array, at: number, len: number): number {
  const s = readString(h, at, len).trim();
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return Number.parseInt(s, 8);
}

export interface TarMember {
  name: string;
  data: Uint8Array;
  offset: number;
}

/**
 * Streams the regular-file members of a ustar archive. Throws ShardError on a bad checksum, a
 * truncated header or body, or a missing end-of-archive marker. Non-file members are skipped.
 */
export async function* parseTar(chunks: AsyncIterable<Uint8Array>, shard: string): AsyncGenerator<TarMember> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  let offset = 0;
  let last = '(start of archive)';
  try {
    for (;;) {
      const h = await r.read(BLOCK);
      if (h.length === 0) {
        throw new ShardError(shard, last, offset, 'truncated: missing end-of-archive marker');
      }
      if (h.length < BLOCK) {
        throw new ShardError(
          shard,
          `(header after ${last})`,
          offset,
          `truncated header (${h.length} of 512 bytes)`,
        );
      }
      if (h.every((b) => b === 0)) return; // end of archive
      const base = readString(h, 0, 100);
      const prefix = readString(h, 345, 155);
      const name = prefix ? `${prefix}/${base}` : base;
      const stored = readOctal(h, 148, 8);
      const computed = checksum(h);
      if (stored !== computed) {
        throw new ShardError(
          shard,
          name || `(header after ${last})`,
          offset,
          `header checksum mismatch (stored ${stored}, computed ${computed})`,
        );
      }
      const size = readOctal(h, 124, 12);
      if (!Number.isSafeInteger(size)) throw new ShardError(shard, name, offset, 'invalid size field');
      const data = await r.read(size);
      if (data.length < size) {
        throw new ShardError(shard, name, offset, `truncated data (${data.length} of ${size} bytes)`);
      }
      const pad = padding(size);
      if (pad > 0 && (await r.read(pad)).length < pad) {
        throw new ShardError(shard, name, offset, 'truncated padding after data');
      }
      const type = String.fromCharCode(h[156]);
      if (type === '0' || type === '\0') yield { name, data, offset };
      offset += BLOCK + size + pad;
      last = name;
    }
  } finally {
    await r.close();
  }
}
