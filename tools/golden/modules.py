#!/usr/bin/python3
"""Golden forward/backward values for @unif2ace/nn modules, from PyTorch reference modules with the same
parameter names. Writes packages/nn/src/fixtures/modules.json (inputs, state as safetensors, outputs, grads).
Run: /usr/bin/python3 tools/golden/modules.py   (needs python3-torch: tools/setup/setup --torch)"""
import base64, json, math, pathlib, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)

def safetensors(state):
    header, blobs, off = {}, [], 0
    for name in sorted(state):
        raw = state[name].detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(state[name].shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw); off += len(raw)
    h = json.dumps(header).encode(); h += b" " * ((8 - len(h) % 8) % 8)
    return base64.b64encode(struct.pack("<Q", len(h)) + h + b"".join(blobs)).decode()

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.randn(d))
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

class MLP(nn.Module):
    def __init__(self, d, h):
        super().__init__(); self.fc1 = nn.Linear(d, h); self.fc2 = nn.Linear(h, d)
    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))

def rotary(x, rd, base=10000.0):
    s = x.shape[2]; half = rd // 2
    pos = torch.arange(s, dtype=torch.float32)[:, None]
    inv = base ** (-(2 * torch.arange(half, dtype=torch.float32)) / rd)
    ang = pos * inv[None, :]
    cos, sin = ang.cos(), ang.sin()
    x1, x2, rest = x[..., :half], x[..., half:rd], x[..., rd:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], -1)

class MHA(nn.Module):
    def __init__(self, d, h, rd):
        super().__init__(); self.h, self.rd = h, rd; self.qkv = nn.Linear(d, 3 * d); self.out = nn.Linear(d, d)
    def forward(self, x):
        b, s, d = x.shape; dh = d // self.h
        qkv = self.qkv(x).reshape(b, s, 3, self.h, dh).permute(2, 0, 3, 1, 4)
        q, k, v = rotary(qkv[0], self.rd), rotary(qkv[1], self.rd), qkv[2]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        att = att.masked_fill(torch.triu(torch.ones(s, s, dtype=torch.bool), 1), float("-inf"))
        o = att.softmax(-1) @ v
        return self.out(o.permute(0, 2, 1, 3).reshape(b, s, d))

def case(m, shape):
    for p in m.parameters():
        with torch.no_grad(): p.add_(torch.randn_like(p) * 0.1)
    x = torch.randn(*shape, requires_grad=True)
    y = m(x); gy = torch.randn_like(y); y.backward(gy)
    return {"input": x.detach().flatten().tolist(), "inputShape": list(shape), "gy": gy.flatten().tolist(),
            "y": y.detach().flatten().tolist(), "gx": x.grad.flatten().tolist(),
            "grads": {n: p.grad.flatten().tolist() for n, p in m.named_parameters()},
            "state": safetensors(dict(m.named_parameters()))}

out = {"generator": "tools/golden/modules.py", "torch": torch.__version__,
       "layernorm": case(nn.LayerNorm(6), (2, 3, 6)),
       "rmsnorm": case(RMSNorm(6), (4, 6)),
       "groupnorm": case(nn.GroupNorm(2, 4), (2, 4, 3, 3)),
       "mlp": case(MLP(6, 12), (5, 6)),
       "conv": case(nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
       "mha": case(MHA(8, 2, 2), (2, 5, 8))}

# Embedding: ids with repeats (their weight-gradient rows add up) and a row no id picks (zero gradient).
emb = nn.Embedding(7, 3)
ids = torch.tensor([[1, 4, 1, 6], [0, 4, 4, 2]])
y = emb(ids); gy = torch.randn_like(y); y.backward(gy)
out["embedding"] = {"ids": ids.flatten().tolist(), "idsShape": list(ids.shape), "gy": gy.flatten().tolist(),
                    "y": y.detach().flatten().tolist(), "gw": emb.weight.grad.flatten().tolist(),
                    "state": safetensors(dict(emb.named_parameters()))}

# Dropout: eval is the identity; in training kept elements are scaled by 1 / (1 - p) (torch's factor, in f32).
x = torch.randn(64); p = 0.3
drop = nn.Dropout(p).train(); yt = drop(x); kept = yt != 0
out["dropout"] = {"x": x.tolist(), "p": p, "eval": nn.Dropout(p).eval()(x).tolist(),
                  "scale": (yt[kept] / x[kept]).mean().item(), "keptFraction": kept.float().mean().item()}
p = pathlib.Path(__file__).resolve().parents[2] / "packages/nn/src/fixtures/modules.json"
p.write_text(json.dumps(out))
print("wrote", p, p.stat().st_size, "bytes")
