#!/usr/bin/python3
"""Golden values for @unif2ace/tensor's matmul and linear, from PyTorch (autograd, float64 math).

Writes packages/tensor/src/fixtures/matmul.json. Each case stores its inputs (rounded to 4 decimals so the
JSON is small and exactly reproducible as f32), the upstream gradient g (loss = sum(out * g)), the output
and the input gradients. linear cases use the [in, out] weight layout of ops.linear: y = act(x @ w + b).
Run: /usr/bin/python3 tools/golden/matmul.py  (Debian python3-torch; a pyenv python3 may shadow it)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261125)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'tensor', 'src', 'fixtures', 'matmul.json')


def r(shape):
    return (torch.rand(shape, dtype=torch.float64) * 2 - 1).mul(1e4).round().div(1e4)


def flat(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


ACT = {'none': lambda z: z, 'relu': F.relu, 'gelu': F.gelu, 'silu': F.silu}
cases = []

# matmul: a @ b with batch broadcasting (transA/transB: the operand is stored transposed and passed as a view)
for name, sa, sb, ta, tb in [
    ('1x1x1', [1, 1], [1, 1], False, False),
    ('3x5 @ 5x7', [3, 5], [5, 7], False, False),
    ('9x12 @ 12x10 (aT)', [9, 12], [12, 10], True, False),
    ('6x4 @ 4x9 (bT)', [6, 4], [4, 9], False, True),
    ('2x3x8x5 @ 5x4 (broadcast)', [2, 3, 8, 5], [5, 4], False, False),
    ('2x1x4x6 @ 1x3x6x8 (broadcast both)', [2, 1, 4, 6], [1, 3, 6, 8], False, False),
    ('vector @ matrix', [5], [5, 3], False, False),
]:
    a = r(sa).requires_grad_()
    b = r(sb).requires_grad_()
    y = a @ b
    g = r(list(y.shape))
    (y * g).sum().backward()
    cases.append({'name': name, 'op': 'matmul', 'transA': ta, 'transB': tb,
                  'a': {'shape': sa, 'data': flat(a)}, 'b': {'shape': sb, 'data': flat(b)},
                  'g': flat(g), 'y': {'shape': list(y.shape), 'data': flat(y)},
                  'da': flat(a.grad), 'db': flat(b.grad)})

# linear: act(x @ w + bias)
for name, sx, n_out, act, bias in [
    ('linear 4x6 -> 5, bias, none', [4, 6], 5, 'none', True),
    ('linear 2x3x8 -> 12, bias, relu', [2, 3, 8], 12, 'relu', True),
    ('linear 5x7 -> 9, bias, gelu', [5, 7], 9, 'gelu', True),
    ('linear 6x4 -> 8, no bias, silu', [6, 4], 8, 'silu', False),
]:
    x = r(sx).requires_grad_()
    w = r([sx[-1], n_out]).requires_grad_()
    b = r([n_out]).requires_grad_() if bias else None
    z = x @ w + (b if bias else 0)
    y = ACT[act](z)
    g = r(list(y.shape))
    (y * g).sum().backward()
    c = {'name': name, 'op': 'linear', 'activation': act,
         'x': {'shape': sx, 'data': flat(x)}, 'w': {'shape': [sx[-1], n_out], 'data': flat(w)},
         'g': flat(g), 'y': {'shape': list(y.shape), 'data': flat(y)}, 'dx': flat(x.grad), 'dw': flat(w.grad)}
    if bias:
        c['bias'] = {'shape': [n_out], 'data': flat(b)}
        c['dbias'] = flat(b.grad)
    cases.append(c)

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/golden/matmul.py', 'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
    f.write('\n')
print(f'wrote {len(cases)} cases to {os.path.relpath(OUT)}')
