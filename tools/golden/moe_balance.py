#!/usr/bin/python3
"""Golden values for @unif2ace/moe's load-balancing loss and router z-loss (src/balance-loss.ts), from PyTorch.

Per case: router logits [T, G*E] (rounded to 4 decimals so the JSON is exact in f32), each token's group, k,
lambda. The reference, in float64: each token's softmax over its own group's E logits (0 elsewhere), its
top-k experts; per group g with T_g tokens, f_i = (#assignments to i) / (k * T_g) and P_i = mean of p_i over
the group's tokens; balance = sum_g lambda * E * sum_i f_i * P_i (f is a count: no gradient). z-loss =
mean over tokens of logsumexp(own group's logits)^2. Stored: both losses and d(balance + z)/d(logits).
Writes packages/moe/src/fixtures/balance.json.
Run: /usr/bin/python3 tools/golden/moe_balance.py  (Debian python3-torch 1.13)
"""
import json
import os

import torch

torch.manual_seed(1414)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'moe', 'src', 'fixtures', 'balance.json')


def case(name, T, G, E, k, lam, groups, scale=1.0):
    logits = torch.round(torch.randn(T, G * E, dtype=torch.float64) * scale * 1e4) / 1e4
    x = logits.clone().requires_grad_(True)
    balance = torch.zeros((), dtype=torch.float64)
    zsum = torch.zeros((), dtype=torch.float64)
    for g in range(G):
        rows = [t for t in range(T) if groups[t] == g]
        if not rows:
            continue
        own = x[rows][:, g * E:(g + 1) * E]
        p = torch.softmax(own, dim=-1)
        idx = torch.topk(p.detach(), k, dim=-1).indices
        counts = torch.zeros(E, dtype=torch.float64)
        counts.scatter_add_(0, idx.reshape(-1), torch.ones(idx.numel(), dtype=torch.float64))
        f = counts / (k * len(rows))
        P = p.mean(dim=0)
        balance = balance + lam * E * (f * P).sum()
        zsum = zsum + (torch.logsumexp(own, dim=-1) ** 2).sum()
    z = zsum / T
    (balance + z).backward()
    return {
        'name': name, 'T': T, 'G': G, 'E': E, 'k': k, 'lambda': lam, 'groups': groups,
        'logits': [float(v) for v in logits.reshape(-1).tolist()],
        'balance': float(balance), 'z': float(z),
        'grad': [float(v) for v in x.grad.reshape(-1).tolist()],
    }


cases = [
    case('one group, top-1', 12, 1, 4, 1, 0.01, [0] * 12),
    case('two groups, top-2', 20, 2, 4, 2, 0.1, [0] * 8 + [1] * 12),
    case('two groups, top-3 of 8, peaked', 33, 2, 8, 3, 1.0, [i % 2 for i in range(33)], scale=3.0),
]
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as fh:
    json.dump({'torch': torch.__version__, 'cases': cases}, fh)
    fh.write('\n')
print('wrote', OUT)
