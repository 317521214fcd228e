#!/usr/bin/python3
"""Writes a safetensors file from PyTorch tensors, by hand (the Python `safetensors` package is not in
Debian), into packages/nn/src/fixtures/torch_written.json as base64 plus the expected values.
Run: /usr/bin/python3 tools/golden/safetensors.py   (needs python3-torch: tools/setup/setup --torch)"""
import base64, json, struct, pathlib
import torch

torch.manual_seed(0)
tensors = {
    "model.f32": torch.randn(2, 3),
    "model.f16": torch.randn(4).half(),
    "model.bf16": torch.randn(3).bfloat16(),
    "ids.i64": torch.tensor([1, -5, 1234567], dtype=torch.int64),
    "bytes.u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
    "mask.bool": torch.tensor([True, False, True]),
}
DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.uint8: "U8", torch.bool: "BOOL"}
header, blobs, off = {}, [], 0
for name in sorted(tensors):
    t = tensors[name].contiguous()
    raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
    header[name] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
    blobs.append(raw)
    off += len(raw)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
data = struct.pack("<Q", len(h)) + h + b"".join(blobs)
values = {n: {"shape": list(t.shape), "values": [float(v) for v in t.float().flatten().tolist()]} for n, t in tensors.items()}
out = pathlib.Path(__file__).resolve().parents[2] / "packages/nn/src/fixtures/torch_written.json"
out.write_text(json.dumps({"generator": "tools/golden/safetensors.py", "torch": torch.__version__, "file_base64": base64.b64encode(data).decode(), "values": values}, indent=1))
print("wrote", out)
