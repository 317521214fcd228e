"""Twins of @unif2ace/nn's building blocks, with the same parameter names and the same arithmetic.

Sources mirrored (packages/nn/src/modules): linear.ts (W stored [out, in]), norm.ts (LayerNorm, eps 1e-5),
embedding.ts, attention.ts (MultiHeadAttention: one qkv Linear reshaped [B, S, 3, H, Dh]; partial rotary on
the first rotaryDim channels of each head, GPT-NeoX pairs (i, i + rotaryDim/2), tables computed in double
and stored f32) and packages/tensor/src/ops/attention.ts (softmax(QK^T / sqrt(Dh)) V; causal AND mask AND
key padding; a query row with no visible key gives 0).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class Linear(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound)) if bias else None

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input {list(x.shape)} has {x.shape[-1]} features")
        return F.linear(x, self.weight, self.bias)


class LayerNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5, affine: bool = True, bias: bool = True):
        super().__init__()
        self.dim, self.eps = dim, eps
        self.weight = nn.Parameter(torch.ones(dim)) if affine else None
        self.bias = nn.Parameter(torch.zeros(dim)) if affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, (self.dim,), self.weight, self.bias, self.eps)


class Embedding(nn.Module):
    def __init__(self, num: int, dim: int, std: float = 1.0):
        super().__init__()
        self.num, self.dim = num, dim
        self.weight = nn.Parameter(torch.randn(num, dim) * std)

    def forward(self, ids):
        return F.embedding(ids.long(), self.weight)


class RotaryEmbedding:
    """Not a Module (no parameters): cos/sin tables per (length, offset), cached."""

    def __init__(self, rotary_dim: int, base: float = 10000.0):
        if rotary_dim % 2:
            raise ValueError(f"RotaryEmbedding: rotaryDim {rotary_dim} must be even")
        self.rotary_dim, self.base = rotary_dim, base
        self._cache = {}

    def tables(self, s: int, offset: int = 0):
        key = (s, offset)
        if key not in self._cache:
            half = self.rotary_dim // 2
            # the same double-precision angles as the TS loop: p * base ** (-(2 i) / rotaryDim)
            inv = torch.tensor([self.base ** (-(2 * i) / self.rotary_dim) for i in range(half)], dtype=torch.float64)
            pos = torch.arange(offset, offset + s, dtype=torch.float64)
            a = pos[:, None] * inv[None, :]
            self._cache[key] = (torch.cos(a).float(), torch.sin(a).float())
        return self._cache[key]

    def _tables_on(self, s, offset, device):
        cos, sin = self.tables(s, offset)
        if cos.device != device:
            key = (s, offset, str(device))
            if key not in self._cache:
                self._cache[key] = (cos.to(device), sin.to(device))
            cos, sin = self._cache[key]
        return cos, sin

    def apply(self, x, offset: int = 0):
        """x [B, H, S, Dh] -> rotated (first rotaryDim channels)."""
        s, dh = x.shape[2], x.shape[3]
        r = self.rotary_dim
        if r > dh:
            raise ValueError(f"RotaryEmbedding: rotaryDim {r} exceeds head dim {dh}")
        cos, sin = self._tables_on(s, offset, x.device)
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
        x1, x2 = x[..., : r // 2], x[..., r // 2 : r]
        rot = torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
        return rot if r == dh else torch.cat([rot, x[..., r:]], dim=-1)


def attention_bias(mask):
    """bool [B, Sq, Sk] (True = may attend) -> the additive f32 bias [B, 1, Sq, Sk] (0 or -inf) that
    attention(bias=) takes: built once per forward and shared by every block. Every query row must see at
    least one key (UniF2ace's row masks guarantee it)."""
    return torch.zeros(mask.shape, dtype=torch.float32, device=mask.device).masked_fill(~mask.bool(), float("-inf"))[:, None]


def attention(q, k, v, mask=None, key_padding=None, causal=False, scale=None, bias=None):
    """q [B, H, Sq, Dh], k/v [B, H, Sk, Dh]. mask bool [Sq, Sk] or [B|1, Sq, Sk] (True = may attend),
    key_padding bool [B, Sk] (True = real token). Rows with no visible key give 0. `bias` (from
    attention_bias) replaces the other masks: the fast path for masks where every row sees a key."""
    B, H, Sq, Dh = q.shape
    Sk = k.shape[2]
    scale = 1 / math.sqrt(Dh) if scale is None else scale
    if bias is not None:
        return torch.matmul(torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale + bias.to(q.dtype), dim=-1), v)
    allowed = torch.ones(B, Sq, Sk, dtype=torch.bool, device=q.device)
    if causal:
        i = torch.arange(Sq, device=q.device)[:, None]
        j = torch.arange(Sk, device=q.device)[None, :]
        allowed = allowed & (j <= i + (Sk - Sq))
    if mask is not None:
        allowed = allowed & (mask.bool() if mask.dim() == 3 else mask.bool()[None])
    if key_padding is not None:
        allowed = allowed & key_padding.bool()[:, None, :]
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    scores = scores.masked_fill(~allowed[:, None], float("-inf"))
    any_visible = allowed.any(-1)[:, None, :, None]  # [B, 1, Sq, 1]
    # rows with nothing visible: softmax of all -inf is NaN; give them 0 (and no gradient)
    scores = torch.where(any_visible, scores, torch.zeros_like(scores))
    p = torch.softmax(scores, dim=-1) * any_visible
    return torch.matmul(p, v)


class MultiHeadAttention(nn.Module):
    def __init__(self, dim: int, heads: int, rotary_dim: int = 0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"MultiHeadAttention: dim {dim} is not divisible by {heads} heads")
        self.dim, self.heads, self.rotary_dim = dim, heads, rotary_dim
        self.qkv = Linear(dim, 3 * dim)
        self.out = Linear(dim, dim)
        self.rotary = RotaryEmbedding(rotary_dim) if rotary_dim else None

    def forward(self, x, mask=None, key_padding=None, causal=False, bias=None):
        b, s, d = x.shape
        h = self.heads
        dh = d // h
        qkv = self.qkv(x).reshape(b, s, 3, h, dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.rotary is not None:
            q, k = self.rotary.apply(q), self.rotary.apply(k)
        o = attention(q, k, v, mask=mask, key_padding=key_padding, causal=causal, bias=bias)
        return self.out(o.permute(0, 2, 1, 3).reshape(b, s, d))
