"""safetensors read/write by hand (struct + numpy): the Python `safetensors` package is not in Debian.

Layout (docs: CONVENTIONS.md "safetensors"): u64 little-endian header length N, N bytes of UTF-8 JSON,
then the data buffer. The reader applies the same rules as @unif2ace/nn's parseSafetensors and names the
file and the rule that failed; the writer sorts tensors by name and pads the header to 8 bytes with spaces,
like nn's serializeSafetensors, so both sides write byte-identical files for the same tensors.
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

MAX_HEADER = 100_000_000

# safetensors dtype -> numpy dtype (little endian)
NP = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "U32": np.dtype("<u4"),
    "I16": np.dtype("<i2"), "U16": np.dtype("<u2"), "I8": np.dtype("i1"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"), "BF16": np.dtype("<u2"),  # BF16 is widened to f32 on read
}
FROM_NP = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
           np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("uint32"): "U32",
           np.dtype("uint8"): "U8", np.dtype("bool"): "BOOL"}


class SafetensorsError(ValueError):
    pass


def _pairs_no_dupes(file):
    def hook(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise SafetensorsError(f"{file}: duplicate tensor name '{k}'")
            seen.add(k)
        return dict(pairs)
    return hook


def parse(buf: bytes, file: str = "<buffer>"):
    """bytes -> (dict name -> numpy array, metadata dict). F16 stays float16, BF16 becomes float32."""
    def fail(rule):
        raise SafetensorsError(f"{file}: {rule}")
    if len(buf) < 8:
        fail(f"file is {len(buf)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack_from("<Q", buf, 0)
    if n > MAX_HEADER:
        fail(f"header length {n} exceeds the limit of {MAX_HEADER} bytes")
    if 8 + n > len(buf):
        fail(f"header length {n} runs past the end of the {len(buf)}-byte file")
    try:
        text = bytes(buf[8:8 + n]).decode("utf-8")
    except UnicodeDecodeError:
        fail("header is not valid UTF-8")
    try:
        header = json.loads(text, object_pairs_hook=_pairs_no_dupes(file))
    except SafetensorsError:
        raise
    except ValueError as e:
        fail(f"header is not JSON ({e})")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    data_start, data_len = 8 + n, len(buf) - 8 - n
    meta, entries = {}, []
    is_count = lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53
    for name, e in header.items():
        if name == "__metadata__":
            if not isinstance(e, dict):
                fail("__metadata__ is not an object")
            for k, v in e.items():
                if not isinstance(v, str):
                    fail(f"__metadata__ value for '{k}' is not a string")
            meta = dict(e)
            continue
        if not isinstance(e, dict):
            fail(f"entry '{name}' is not an object")
        dt = e.get("dtype")
        if dt not in NP:
            fail(f"entry '{name}' has unknown dtype {json.dumps(dt)}")
        shape = e.get("shape")
        if not isinstance(shape, list) or not all(is_count(d) for d in shape):
            fail(f"entry '{name}' has a bad shape {json.dumps(shape)}")
        off = e.get("data_offsets")
        if not isinstance(off, list) or len(off) != 2 or not all(is_count(v) for v in off):
            fail(f"entry '{name}' has bad data_offsets {json.dumps(off)}")
        begin, end = off
        if end < begin:
            fail(f"entry '{name}' ends ({end}) before it begins ({begin})")
        size = int(np.prod(shape, dtype=np.int64)) * NP[dt].itemsize
        if end - begin != size:
            fail(f"entry '{name}' spans {end - begin} bytes but {dt} {json.dumps(shape)} needs {size}")
        if end > data_len:
            fail(f"entry '{name}' ends at {end}, past the {data_len}-byte data section")
        entries.append((begin, end, name, dt, shape))
    entries.sort()
    at = 0
    for begin, end, name, _, _ in entries:
        if begin != at:
            fail(f"entry '{name}' overlaps the previous tensor" if begin < at else f"gap before entry '{name}' (at {at}, begins {begin})")
        at = end
    if at != data_len:
        fail(f"{data_len - at} bytes after the last tensor (expected none)")
    out = {}
    for begin, end, name, dt, shape in entries:
        a = np.frombuffer(buf, dtype=NP[dt], count=(end - begin) // NP[dt].itemsize, offset=data_start + begin)
        if dt == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = a.reshape(shape).copy()
    return out, meta


def load_file(path):
    with open(path, "rb") as f:
        return parse(f.read(), str(path))


def serialize(tensors: dict, metadata: dict | None = None) -> bytes:
    """name -> numpy array (or torch tensor) in its own dtype (float16 stays F16)."""
    header, blobs, off = {}, [], 0
    if metadata:
        for k, v in metadata.items():
            if not isinstance(v, str):
                raise SafetensorsError(f"serialize: __metadata__ value for '{k}' is not a string")
        header["__metadata__"] = dict(metadata)
    for name in sorted(tensors):
        a = tensors[name]
        if hasattr(a, "detach"):
            a = a.detach().cpu().numpy()
        a = np.ascontiguousarray(a)
        if a.dtype not in FROM_NP:
            raise SafetensorsError(f"serialize: '{name}' has unsupported dtype {a.dtype}")
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": FROM_NP[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write_atomic(path, data: bytes):
    """Temporary file in the destination folder, fsync, rename, fsync the folder (CONVENTIONS.md)."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_file(path, tensors: dict, metadata: dict | None = None):
    write_atomic(path, serialize(tensors, metadata))
