#!/usr/bin/python3
"""Golden values for @unif2ace/tensor's fused attention, from PyTorch (explicit math, autograd).

Writes packages/tensor/src/fixtures/attention.json. Each case stores its inputs (rounded to 4 decimals so
the JSON is small and exactly reproducible as f32), the output weights w (loss = sum(out * w)), the output
and the gradients of q, k, v. The reference is the textbook formula in float64:
    out = softmax(q kᵀ · scale + bias) v,  bias = 0 where a key is visible, -inf where it is not,
visible = (causal: j <= i) and mask[b, i, j] != 0 and keyPadding[b, j] != 0. No case has a row without a
visible key (torch's softmax gives NaN there; the TS tests check that case separately).
Run: /usr/bin/python3 tools/golden/attention.py  (Debian python3-torch; a pyenv python3 may shadow it)
"""
import json
import os

import torch

torch.manual_seed(4321)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'tensor', 'src', 'fixtures', 'attention.json')


def r(*shape):
    return torch.round((torch.rand(*shape, dtype=torch.float64) * 3 - 1.5) * 1e4) / 1e4


def flat(t):
    return [round(float(v), 8) for v in t.detach().reshape(-1).tolist()]


def case(name, B, H, S, D, causal=False, scale=None, mask=None, key_padding=None):
    q, k, v = (r(B, H, S, D).requires_grad_() for _ in range(3))
    w = r(B, H, S, D)
    sc = scale if scale is not None else 1.0 / D ** 0.5
    visible = torch.ones(B, S, S, dtype=torch.bool)
    if causal:
        visible &= torch.ones(S, S, dtype=torch.bool).tril()
    if mask is not None:
        visible &= (mask != 0) if mask.dim() == 3 else (mask != 0).unsqueeze(0)
    if key_padding is not None:
        visible &= (key_padding != 0).unsqueeze(1)
    assert visible.any(-1).all(), f'{name}: a row sees no key'
    bias = torch.zeros(B, 1, S, S, dtype=torch.float64).masked_fill(~visible.unsqueeze(1), float('-inf'))
    p = torch.softmax(q @ k.transpose(-1, -2) * sc + bias, dim=-1)
    out = p @ v
    (out * w).sum().backward()
    return {
        'name': name,
        'shape': [B, H, S, D],
        'causal': causal,
        'scale': sc,
        'mask': None if mask is None else {'shape': list(mask.shape), 'data': [int(x) for x in mask.reshape(-1)]},
        'keyPadding': None if key_padding is None else [int(x) for x in key_padding.reshape(-1)],
        'q': flat(q), 'k': flat(k), 'v': flat(v), 'w': flat(w),
        'out': flat(out), 'dq': flat(q.grad), 'dk': flat(k.grad), 'dv': flat(v.grad),
    }


def prefix_mask(S, P):
    i = torch.arange(S).unsqueeze(1)
    j = torch.arange(S).unsqueeze(0)
    return ((j <= i) | ((i < P) & (j < P))).to(torch.int64)


def random_mask(B, S):
    m = (torch.rand(B, S, S) < 0.6).to(torch.int64)
    m[:, :, 0] = 1  # key 0 (never padded) stays visible: no row is fully masked
    return m


S = 6
cases = [
    case('bidirectional', 1, 2, 5, 4),
    case('causal', 2, 1, S, 4, causal=True),
    case('key padding (left-padded caption)', 2, 2, S, 3, key_padding=torch.tensor([[1] * S, [0, 0] + [1] * (S - 2)])),
    case('prefix-bidirectional mask [S, S]', 1, 2, S, 4, mask=prefix_mask(S, 3)),
    case('causal + key padding + random [B, S, S] mask, scale 0.7', 2, 1, S, 5, causal=True, scale=0.7,
         mask=random_mask(2, S), key_padding=torch.tensor([[1] * S, [1] * (S - 2) + [0, 0]])),
]
with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/golden/attention.py', 'torch': torch.__version__, 'cases': cases}, f,
              separators=(',', ':'))
print(f'wrote {OUT}: {len(cases)} cases')
