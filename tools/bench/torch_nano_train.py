#!/usr/bin/python3
"""PyTorch CPU training-step timing of the nano language model of packages/nn/bench/nano-train.mjs.

Usage: torch_nano_train.py VOCAB DIM HEADS LAYERS SEQ BATCH STEPS   (one JSON line on stdout)
Same architecture as the JS bench: token + learned position embeddings, pre-norm blocks (causal
multi-head attention, GELU MLP x4), final layer norm, linear head, mean cross-entropy; AdamW. Run it with
OpenBLAS on LD_LIBRARY_PATH (tools/bench/torch.mjs does): Debian's torch links the reference BLAS.
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, L, S, B, STEPS = (int(a) for a in sys.argv[1:8])
torch.manual_seed(0)
# the same two threads the WASM backend uses (torch may start with one where OMP is unset)
torch.set_num_threads(os.cpu_count() or 1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.out = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, 4 * D)
        self.fc2 = nn.Linear(4 * D, D)
        self.register_buffer('causal', torch.ones(S, S, dtype=torch.bool).tril())

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, s, 3, H, d // H).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-1, -2)) / math.sqrt(d // H)
        a = a.masked_fill(~self.causal[:s, :s], float('-inf')).softmax(-1)
        x = x + self.out((a @ v).transpose(1, 2).reshape(b, s, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class NanoLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Parameter(torch.randn(S, D) * 0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.lnf = nn.LayerNorm(D)
        self.head = nn.Linear(D, V)

    def forward(self, ids):
        x = self.tok(ids) + self.pos[: ids.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnf(x))


model = NanoLM()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
ids = torch.randint(0, V, (B, S + 1))
params = sum(p.numel() for p in model.parameters())


def step():
    logits = model(ids[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(2):
    step()
times = []
for _ in range(STEPS):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1e3)
times.sort()
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'params': params,
                  'ms': times[len(times) // 2]}))
