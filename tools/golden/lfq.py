#!/usr/bin/env python3
"""Golden values for the lookup-free quantizer (LFQ, MAGVIT-v2 arXiv 2310.05737) of @unif2ace/vq.

Run: /usr/bin/python3 tools/golden/lfq.py  (Debian python3-torch 1.13)
Writes packages/vq/src/fixtures/lfq.json. The latents are f32 values stored in the JSON; the entropy terms,
the loss and its gradient with respect to the latents are computed by torch in float64 from them, written
out from the definitions (soft assignment over all 2^D corners), independently of the TypeScript code.
"""
import itertools
import json
import os

import torch

torch.manual_seed(2310)
OUT = os.path.join(os.path.dirname(__file__), '../../packages/vq/src/fixtures/lfq.json')


def case(B, D, h, w, tau, gamma, entropy_weight, beta, scale):
    z32 = torch.randn(B, D, h, w, dtype=torch.float32) * scale
    z = z32.double().clone().requires_grad_(True)
    rows = z.permute(0, 2, 3, 1).reshape(-1, D)
    # corners: code k has +1 in channel i when bit i of k is set
    corners = torch.tensor([[1.0 if (k >> i) & 1 else -1.0 for i in range(D)] for k in range(2 ** D)],
                           dtype=torch.float64)
    dist = ((rows[:, None, :] - corners[None, :, :]) ** 2).sum(-1)  # [N, K]
    p = torch.softmax(-dist / tau, dim=-1)
    per_sample = -(p * torch.log(p)).sum(-1).mean()
    avg = p.mean(0)
    codebook = -(avg * torch.log(avg + 1e-9)).sum()
    q = torch.where(rows > 0, torch.ones_like(rows), -torch.ones_like(rows))
    commit = ((rows - q.detach()) ** 2).mean()
    loss = entropy_weight * (per_sample - gamma * codebook) + beta * commit
    loss.backward()
    codes = ((rows > 0).long() * (2 ** torch.arange(D))).sum(-1).reshape(B, h, w)
    return {
        'shape': [B, D, h, w],
        'temperature': tau,
        'diversityGamma': gamma,
        'entropyWeight': entropy_weight,
        'commitment': beta,
        'z': [float(v) for v in z32.reshape(-1).tolist()],
        'perSampleEntropy': float(per_sample),
        'codebookEntropy': float(codebook),
        'commitmentLoss': float(commit),
        'loss': float(loss),
        'gradZ': [float(v) for v in z.grad.reshape(-1).tolist()],
        'codes': [int(v) for v in codes.reshape(-1).tolist()],
    }


cases = {
    'small': case(2, 3, 2, 3, tau=1.0, gamma=1.0, entropy_weight=0.1, beta=0.25, scale=1.0),
    'sharp': case(1, 5, 4, 4, tau=0.5, gamma=0.5, entropy_weight=0.2, beta=0.1, scale=0.3),
}
with open(OUT, 'w') as f:
    json.dump({'generator': 'tools/golden/lfq.py', 'torch': torch.__version__, 'cases': cases}, f)
print('wrote', OUT)
