#!/usr/bin/python3
"""One training step of the UniF2ace twin (loss + backward + AdamW), timed: the PyTorch column of
packages/model/bench/step.mjs, which writes the model folder and the batch (token ids) and runs this with
OpenBLAS (tools/bench/torch.mjs).

Usage: bench_step.py MODEL_FOLDER BATCH_JSON STEPS THREADS [WARMUP=2] [DEVICE=cpu]   (one JSON line on stdout)
BATCH_JSON: {"t2i": [{caption_ids, codes}], "mmu": [{codes, question_ids, answer_ids}]}; step i uses loss seed i
(the same seeds as our column), warm-up steps included."""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unif2ace_torch.model import UniF2ace  # noqa: E402

folder, batch_file, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 2
device = torch.device(sys.argv[6] if len(sys.argv) > 6 else "cpu")
torch.set_num_threads(threads)
torch.manual_seed(0)
with open(batch_file) as f:
    batch = json.load(f)
model = UniF2ace.from_folder(folder, device=device)
model.train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)
losses, times = [], []
for i in range(steps + warmup):
    t0 = time.perf_counter()
    total, parts = model.loss(batch, seed=i)
    opt.zero_grad(set_to_none=True)
    total.backward()
    opt.step()
    losses.append(total.item())  # waits for the step (a device sync on CUDA)
    if i >= warmup:
        times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(device),
                  "params": sum(p.numel() for p in model.parameters()), "ms": sorted(times)[len(times) // 2],
                  "times": [round(t, 2) for t in times], "losses": losses}))
