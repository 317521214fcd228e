#!/usr/bin/python3
"""The Python safetensors reader: reads what PyTorch-side code wrote for nn's fixture (and nn's own files via
check_blocks.py), round-trips F32/F16/I32 with metadata, and rejects malformed files naming the rule.
Run: /usr/bin/python3 tools/torch-model/parity/check_safetensors.py"""
import base64
import json
import pathlib
import struct
import sys

import numpy as np

root = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(root / "tools/torch-model"))
from unif2ace_torch import safetensors as st  # noqa: E402

fx = json.loads((root / "packages/nn/src/fixtures/torch_written.json").read_text())
tensors, meta = st.parse(base64.b64decode(fx["file_base64"]), "torch_written")
assert meta == {"format": "pt"}, meta
for name, want in fx["values"].items():
    got = tensors[name].astype(np.float64).reshape(-1)
    assert list(tensors[name].shape) == want["shape"], name
    assert np.allclose(got, want["values"]), name

t = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([0.5, -2], dtype=np.float16), "c": np.array([7, -1], dtype=np.int32)}
raw = st.serialize(t, {"k": "v"})
back, m = st.parse(raw)
assert m == {"k": "v"} and all(back[k].dtype == t[k].dtype and np.array_equal(back[k], t[k]) for k in t)
assert (struct.unpack_from("<Q", raw)[0]) % 8 == 0


def bad(buf, rule):
    try:
        st.parse(buf, "x.safetensors")
    except st.SafetensorsError as e:
        assert rule in str(e) and "x.safetensors" in str(e), (rule, str(e))
        return
    raise AssertionError(f"accepted a file that breaks: {rule}")


def file(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


bad(b"1234", "shorter than the 8-byte header length")
bad(struct.pack("<Q", 10**9) + b"{}", "exceeds the limit")
bad(struct.pack("<Q", 100) + b"{}", "runs past the end")
bad(file([1]), "not a JSON object")
bad(struct.pack("<Q", 2) + b"\xff\xfe", "not valid UTF-8")
h = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
bad(struct.pack("<Q", len(h)) + h + b"\0" * 4, "duplicate tensor name 'a'")
bad(file({"a": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4), "unknown dtype")
bad(file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "bad shape")
bad(file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4), "needs 8")
bad(file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "gap before entry 'a'")
bad(file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 6), "2 bytes after the last tensor")
bad(file({"__metadata__": {"k": 1}}), "not a string")
print("safetensors reader/writer: all checks pass")
