#!/usr/bin/python3
"""Golden values for @unif2ace/tensor's fused AdamW step (ops/optim.ts adamwStep), from torch.optim.AdamW.

Writes packages/tensor/src/fixtures/adamw.json: per case the hyperparameters, the initial parameters and the
gradient fed at every step (rounded to 4 decimals, so the JSON reproduces exactly in f32), and after each
step the parameters, exp_avg (m) and exp_avg_sq (v). Includes a step with a zero gradient and large/small
gradient magnitudes so bias correction and eps matter.
Run: /usr/bin/python3 tools/golden/adamw.py  (Debian python3-torch 1.13)
"""
import json
import os

import torch

torch.manual_seed(2024)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'tensor', 'src', 'fixtures', 'adamw.json')


def r(*shape, scale=1.0):
    return torch.round((torch.rand(*shape, dtype=torch.float64) * 2 - 1) * 1e4) / 1e4 * scale


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, shapes, steps, lr, betas, eps, weight_decay, grad_scale=1.0):
    init = [r(*s).float() for s in shapes]
    params = [torch.nn.Parameter(p.clone()) for p in init]
    opt = torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    out_steps = []
    for k in range(steps):
        grads = [r(*s, scale=grad_scale).float() for s in shapes]
        if k == 1:
            grads[0] = torch.zeros(shapes[0])
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()
        out_steps.append({
            'grads': [flat(g) for g in grads],
            'params': [flat(p) for p in params],
            'm': [flat(opt.state[p]['exp_avg']) for p in params],
            'v': [flat(opt.state[p]['exp_avg_sq']) for p in params],
        })
    return {
        'name': name, 'lr': lr, 'beta1': betas[0], 'beta2': betas[1], 'eps': eps, 'weightDecay': weight_decay,
        'shapes': [list(s) for s in shapes], 'init': [flat(p) for p in init], 'steps': out_steps,
    }


cases = [
    case('defaults-ish', [(3, 4), (5,)], 4, 1e-3, (0.9, 0.999), 1e-8, 0.01),
    case('lm-style', [(2, 3, 5), (7,), (1,)], 3, 3e-2, (0.9, 0.95), 1e-8, 0.1),
    case('tiny grads, big eps', [(6,)], 3, 1e-1, (0.8, 0.99), 1e-3, 0.0, grad_scale=1e-4),
]
with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/golden/adamw.py', 'torch': torch.__version__, 'cases': cases}, f)
print(OUT, os.path.getsize(OUT), 'bytes')
