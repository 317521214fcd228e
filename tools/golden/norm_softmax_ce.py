#!/usr/bin/env python3
"""Golden values for the fused softmax / norm / cross-entropy / embedding kernels of @unif2ace/tensor.

Run: /usr/bin/python3 tools/golden/norm_softmax_ce.py  (Debian python3-torch 1.13)
Writes packages/tensor/src/fixtures/norm_softmax_ce.json. Inputs are f32 values stored in the JSON; the
expected outputs and gradients are computed by torch in float64 from those same values.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), '../../packages/tensor/src/fixtures/norm_softmax_ce.json')


def f32(*shape, scale=1.0, shift=0.0):
    """Random f32 values, returned as float64 (exactly representable) for the computation."""
    return (torch.randn(*shape, dtype=torch.float32) * scale + shift).double()


def flat(t):
    return [float(v) for v in t.detach().double().reshape(-1).tolist()]


def leaf(t):
    return t.clone().requires_grad_(True)


cases = {}

# softmax / log_softmax over the last axis, including a large-logit row
x = f32(3, 5, scale=3.0)
x[1, 2] = 90.0
g = f32(3, 5)
xs = leaf(x)
y = F.softmax(xs, dim=-1)
(y * g).sum().backward()
xl = leaf(x)
z = F.log_softmax(xl, dim=-1)
(z * g).sum().backward()
cases['softmax'] = {'x': {'shape': [3, 5], 'data': flat(x)}, 'g': flat(g), 'softmax': flat(y), 'dx_softmax': flat(xs.grad),
                    'log_softmax': flat(z), 'dx_log_softmax': flat(xl.grad)}

# layer_norm with weight and bias (non-zero mean rows)
x = f32(4, 6, scale=2.0, shift=3.0)
w = f32(6, scale=0.5, shift=1.0)
b = f32(6)
g = f32(4, 6)
xs, ws, bs = leaf(x), leaf(w), leaf(b)
y = F.layer_norm(xs, [6], ws, bs, eps=1e-5)
(y * g).sum().backward()
cases['layer_norm'] = {'x': {'shape': [4, 6], 'data': flat(x)}, 'weight': flat(w), 'bias': flat(b), 'eps': 1e-5, 'g': flat(g),
                       'y': flat(y), 'dx': flat(xs.grad), 'dweight': flat(ws.grad), 'dbias': flat(bs.grad)}

# RMS norm (torch 1.13 has no F.rms_norm: written out, differentiated by torch)
xs, ws = leaf(x), leaf(w)
y = xs * torch.rsqrt(xs.pow(2).mean(-1, keepdim=True) + 1e-6) * ws
(y * g).sum().backward()
cases['rms_norm'] = {'x': {'shape': [4, 6], 'data': flat(x)}, 'weight': flat(w), 'eps': 1e-6, 'g': flat(g),
                     'y': flat(y), 'dx': flat(xs.grad), 'dweight': flat(ws.grad)}

# cross_entropy: ignore_index, label smoothing, each reduction; the gradient of loss (mean/sum) or of Σ gw·loss (none)
logits = f32(5, 7, scale=2.0)
targets = torch.tensor([3, -100, 0, 6, 2])
gw = f32(5)
ce = []
for red in ['mean', 'sum', 'none']:
    for ls in [0.0, 0.1]:
        xs = leaf(logits)
        loss = F.cross_entropy(xs, targets, ignore_index=-100, label_smoothing=ls, reduction=red)
        (loss * gw).sum().backward() if red == 'none' else loss.backward()
        ce.append({'reduction': red, 'labelSmoothing': ls, 'loss': flat(loss), 'dlogits': flat(xs.grad)})
cases['cross_entropy'] = {'logits': {'shape': [5, 7], 'data': flat(logits)}, 'targets': targets.tolist(), 'gw': flat(gw),
                          'cases': ce}

# cross_entropy over a vocabulary slice [2, 7) of logits [4, 9]: targets are absolute ids
logits = f32(4, 9, scale=2.0)
targets = torch.tensor([2, 6, -100, 4])
xs = leaf(logits)
loss = F.cross_entropy(xs[:, 2:7], torch.where(targets >= 0, targets - 2, targets), ignore_index=-100, label_smoothing=0.1)
loss.backward()
cases['cross_entropy_slice'] = {'logits': {'shape': [4, 9], 'data': flat(logits)}, 'targets': targets.tolist(),
                                'vocabSlice': [2, 7], 'labelSmoothing': 0.1, 'loss': flat(loss), 'dlogits': flat(xs.grad)}

# embedding with repeated ids
weight = f32(6, 3)
ids = torch.tensor([[1, 4, 1, 0], [5, 1, 4, 2]])
g = f32(2, 4, 3)
ws = leaf(weight)
y = F.embedding(ids, ws)
(y * g).sum().backward()
cases['embedding'] = {'weight': {'shape': [6, 3], 'data': flat(weight)}, 'ids': {'shape': [2, 4], 'data': ids.reshape(-1).tolist()},
                      'g': flat(g), 'y': flat(y), 'dweight': flat(ws.grad)}

doc = {'generator': 'tools/golden/norm_softmax_ce.py', 'torch': torch.__version__, **cases}
with open(OUT, 'w') as f:
    json.dump(doc, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)')
