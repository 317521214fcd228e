"""Reads our WebDataset tar shards (packages/data/src/shards) with the same rank/worldSize split and the same
sample order as @unif2ace/data's readShards for the same options: the project's mulberry32 and mix32 are
ported bit for bit (packages/common/src/rng.ts), the seeded shard permutation (shards/rng.ts) and the shuffle
buffer (shards/reader.ts). Only the standard library (tarfile, json)."""
from __future__ import annotations

import glob
import json
import os
import re
import tarfile

M32 = 0xFFFFFFFF


def imul(a: int, b: int) -> int:
    return (a * b) & M32


def mulberry32(state: int):
    """One step: (uniform in [0, 1), next state), the same doubles as common's mulberry32."""
    s = (state + 0x6D2B79F5) & M32
    t = s
    t = imul(t ^ (t >> 15), t | 1)
    t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
    return ((t ^ (t >> 14)) & M32) / 4294967296, s


def mix32(a: int, b: int) -> int:
    z = (a + imul(b ^ 0x9E3779B9, 0x85EBCA6B)) & M32
    z = imul(z ^ (z >> 16), 0x21F0AAAD)
    z = imul(z ^ (z >> 15), 0x735A2D97)
    return (z ^ (z >> 15)) & M32


def permutation(n: int, seed: int):
    out = list(range(n))
    s = (seed ^ 0x9E3779B9) & M32
    for i in range(n - 1, 0, -1):
        u, s = mulberry32(s)
        j = int(u * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def expand_braces(pattern: str):
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    head, tail = pattern[: m.start()], pattern[m.end():]
    r = re.fullmatch(r"(\d+)\.\.(\d+)", m.group(1))
    if r:
        a, b = int(r.group(1)), int(r.group(2))
        if b < a:
            raise ValueError(f"brace range {m.group(0)} is empty in {pattern!r}")
        parts = [str(v).zfill(len(r.group(1))) for v in range(a, b + 1)]
    else:
        parts = m.group(1).split(",")
    return [x for p in parts for x in expand_braces(head + p + tail)]


def resolve(urls=None, dir=None, prefix="faces"):
    if urls:
        lst = [x for u in ([urls] if isinstance(urls, str) else urls) for x in expand_braces(u)]
        if not lst:
            raise ValueError("read_shards: `urls` is empty")
        return lst
    if not dir:
        raise ValueError("read_shards: give `urls` or `dir`")
    index = os.path.join(dir, f"{prefix}-index.json")
    if os.path.exists(index):
        with open(index) as f:
            idx = json.load(f)
        if not isinstance(idx.get("shards"), list):
            raise ValueError(f"read_shards: {index} has no \"shards\" list")
        return [os.path.join(dir, s["name"]) for s in idx["shards"]]
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(dir, "*.tar")) if not os.path.basename(p).startswith("."))
    if not names:
        raise ValueError(f"read_shards: no .tar shards in {dir}")
    return [os.path.join(dir, n) for n in names]


def samples_of(shard: str):
    """Complete samples {key, files: {ext: bytes}, shard} of one tar, in member order."""
    cur = None
    with tarfile.open(shard, "r|") as tf:
        for m in tf:
            if not m.isfile():
                continue
            base = m.name.rsplit("/", 1)[-1]
            prefix = m.name[: len(m.name) - len(base)]
            dot = base.find(".")
            if dot <= 0:
                raise ValueError(f"{shard}: member {m.name!r} has no key.extension form")
            key, ext = prefix + base[:dot], base[dot + 1:]
            data = tf.extractfile(m).read()
            if cur is not None and cur["key"] == key:
                if ext in cur["files"]:
                    raise ValueError(f"{shard}: repeated extension {ext!r} in sample {key!r}")
                cur["files"][ext] = data
                continue
            if cur is not None:
                yield cur
            cur = {"key": key, "files": {ext: data}, "shard": shard}
    if cur is not None:
        yield cur


def split_shards(sources, rank=0, world_size=1, seed=0, shuffle_buffer=0, shuffle_shards=None):
    """This rank's shards in read order: the seeded shard order dealt round-robin over the ranks."""
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"read_shards: worldSize must be a positive integer, got {world_size}")
    if not isinstance(rank, int) or not (0 <= rank < world_size):
        raise ValueError(f"read_shards: rank must be an integer in [0, {world_size}) (worldSize {world_size}), got {rank}")
    B = max(1, int(shuffle_buffer or 0))
    seed &= M32
    shuffle = (B > 1) if shuffle_shards is None else shuffle_shards
    order = permutation(len(sources), seed) if shuffle else list(range(len(sources)))
    mine = [sources[i] for k, i in enumerate(order) if k % world_size == rank]
    if not mine:
        raise ValueError(f"read_shards: rank {rank} of {world_size} gets no shard ({len(sources)} shards for {world_size} ranks; write at least one shard per rank)")
    return mine


def read_shards(urls=None, dir=None, prefix="faces", rank=0, world_size=1, seed=0, shuffle_buffer=0, shuffle_shards=None):
    """Yields samples {key, files, shard} in exactly readShards' order for the same options."""
    sources = resolve(urls, dir, prefix)
    shards = split_shards(sources, rank, world_size, seed, shuffle_buffer, shuffle_shards)
    B = max(1, int(shuffle_buffer or 0))
    seed &= M32
    rng = imul(mix32(seed, rank) if world_size > 1 else seed, 0x9E3779B1)
    buf = []

    def rand(n):
        nonlocal rng
        u, rng = mulberry32(rng)
        return int(u * n)

    for shard in shards:
        for s in samples_of(shard):
            if B == 1:
                yield s
            elif len(buf) < B:
                buf.append(s)
            else:
                k = rand(B)
                out, buf[k] = buf[k], s
                yield out
    while buf:
        k = rand(len(buf))
        out = buf[k]
        buf[k] = buf[-1]
        buf.pop()
        yield out
