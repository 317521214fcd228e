#!/usr/bin/python3
"""Golden values for @unif2ace/tensor's conv family, from PyTorch (torch.nn.functional, autograd).

Writes packages/tensor/src/fixtures/conv.json. Every case stores its inputs (rounded to 4 decimals so the
JSON is small and exactly reproducible), the upstream gradient, the output and the input gradients.
Run: /usr/bin/python3 tools/golden/conv.py  (Debian python3-torch; a pyenv python3 may shadow it)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'tensor', 'src', 'fixtures', 'conv.json')


def r(*shape):
    return torch.round((torch.rand(*shape, dtype=torch.float64) * 2 - 1) * 1e4) / 1e4


def flat(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


def conv_case(name, N, C, H, W, O, k, stride, padding, groups=1, dilation=1, bias=True):
    x = r(N, C, H, W).requires_grad_()
    w = r(O, C // groups, k, k).requires_grad_()
    b = r(O).requires_grad_() if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = r(*y.shape)
    y.backward(g)
    case = {
        'name': name, 'op': 'conv2d',
        'opts': {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': groups},
        'x': {'shape': list(x.shape), 'data': flat(x)},
        'w': {'shape': list(w.shape), 'data': flat(w)},
        'g': flat(g),
        'y': {'shape': list(y.shape), 'data': flat(y)},
        'dx': flat(x.grad), 'dw': flat(w.grad),
    }
    if bias:
        case['b'] = flat(b)
        case['db'] = flat(b.grad)
    return case


def upsample_case(name, shape, scale):
    x = r(*shape).requires_grad_()
    y = F.interpolate(x, scale_factor=scale, mode='nearest')
    g = r(*y.shape)
    y.backward(g)
    return {'name': name, 'op': 'upsampleNearest', 'opts': {'scale': scale},
            'x': {'shape': list(x.shape), 'data': flat(x)}, 'g': flat(g),
            'y': {'shape': list(y.shape), 'data': flat(y)}, 'dx': flat(x.grad)}


def pool_case(name, shape, k, stride):
    x = r(*shape).requires_grad_()
    y = F.avg_pool2d(x, k, stride)
    g = r(*y.shape)
    y.backward(g)
    return {'name': name, 'op': 'avgPool2d', 'opts': {'kernel': k, 'stride': stride},
            'x': {'shape': list(x.shape), 'data': flat(x)}, 'g': flat(g),
            'y': {'shape': list(y.shape), 'data': flat(y)}, 'dx': flat(x.grad)}


cases = [
    conv_case('3x3 s1 p1', 2, 3, 6, 5, 4, 3, 1, 1),
    conv_case('3x3 s2 p1 groups 2', 1, 4, 7, 6, 6, 3, 2, 1, groups=2),
    conv_case('1x1 no bias', 2, 5, 3, 4, 3, 1, 1, 0, bias=False),
    conv_case('depthwise 3x3 s1 p1', 1, 4, 5, 5, 4, 3, 1, 1, groups=4),
    conv_case('4x4 s2 p1', 1, 3, 8, 7, 5, 4, 2, 1),
    conv_case('3x3 dilation 2 p2', 1, 2, 7, 7, 3, 3, 1, 2, dilation=2),
    upsample_case('upsample x2', (1, 2, 3, 4), 2),
    upsample_case('upsample x3', (2, 1, 2, 3), 3),
    pool_case('avgpool 2/2', (1, 2, 6, 5), 2, 2),
    pool_case('avgpool 3/2 overlapping', (2, 1, 7, 6), 3, 2),
]

with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/golden/conv.py', 'torch': torch.__version__, 'cases': cases}, f, separators=(',', ':'))
print(f'wrote {len(cases)} cases to {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)')
