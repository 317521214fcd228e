#!/usr/bin/python3
"""Data-parallel training of the UniF2ace twin with torch.distributed (DDP over gloo, CPU processes), reading
our WebDataset shards split by rank, writing a model folder that UniF2ace.load reads in Node and the browser.

  /usr/bin/python3 tools/torch-model/train_ddp.py --init INIT_FOLDER --data PREPARED_SHARDS --out OUT_FOLDER \
      [--world 2] [--steps 20] [--batch 4] [--lr 1e-3] [--seed 0] [--threads 1] [--dtype f16|f32] [--device cpu|cuda]

INIT_FOLDER: a model folder (config.json, model.safetensors, tokenizer.json, image-tokenizer/), e.g. from
`node tools/torch-model/make_init.mjs`; training starts from its weights and OUT_FOLDER gets its tokenizers.
PREPARED_SHARDS: shards with an `ids.json` member per sample ({codes, caption, qa: [{q, a}]} as token ids), from
`node tools/torch-model/prepare_shards.mjs` (images through the image tokenizer, text through the BPE
tokenizer, once). Each step every rank takes `batch` samples of its own shards (rank r reads shards
r, r + world, ... of the seeded shard order, as @unif2ace/data's readShards({ rank, worldSize })), each sample
giving one T2I example (caption -> codes) and one MMU example (one of its questions); the loss is the
twin's UniF2ace.loss (the same as the TypeScript model's); DDP averages the gradients; AdamW
(0.9, 0.999, wd 0.01), gradient clipping at 1.0. --device cuda: one GPU per rank (cuda:rank) and nccl
instead of gloo (written for GPU machines; this repository's checks ran the CPU/gloo path).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unif2ace_torch.model import UniF2ace  # noqa: E402
from unif2ace_torch.shards import read_shards  # noqa: E402


class LossOf(nn.Module):
    """DDP hooks run through forward(): the loss is this wrapper's forward."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, batch, seed):
        total, parts = self.model.loss(batch, seed=seed)
        return total, parts


def examples(args, rank, world):
    """Endless (t2i, mmu) examples of this rank's shards; each pass reshuffles with a new seed."""
    epoch = 0
    while True:
        n = 0
        for s in read_shards(dir=args.data, rank=rank, world_size=world, seed=args.seed + epoch, shuffle_buffer=16):
            rec = json.loads(s["files"]["ids.json"])
            qa = rec["qa"]
            if not qa:
                continue
            pick = qa[(n + epoch) % len(qa)]
            n += 1
            yield {"caption_ids": rec["caption"], "codes": rec["codes"]}, {"codes": rec["codes"], "question_ids": pick["q"], "answer_ids": pick["a"]}
        if n == 0:
            raise SystemExit(f"rank {rank}: no usable samples in {args.data}")
        epoch += 1


def worker(rank, world, args, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(args.threads)
    cuda = args.device == "cuda"
    if cuda:
        torch.cuda.set_device(rank)
    dev = torch.device(f"cuda:{rank}" if cuda else "cpu")
    dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    torch.manual_seed(args.seed * 1000 + rank)  # the Noise experts' draws
    model = UniF2ace.from_folder(args.init, device=dev)
    model.train()
    ddp = DDP(LossOf(model), device_ids=[rank] if cuda else None, find_unused_parameters=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.999), weight_decay=0.01)
    stream = examples(args, rank, world)
    t0 = time.time()
    tokens = 0
    for step in range(args.steps):
        pairs = [next(stream) for _ in range(args.batch)]
        batch = {"t2i": [p[0] for p in pairs], "mmu": [p[1] for p in pairs]}
        total, parts = ddp(batch, seed=args.seed * 1_000_003 + step * world + rank)
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens += sum(len(model.t2i_row(p[0]["caption_ids"], p[0]["codes"]).ids) for p in pairs)
        tokens += sum(len(model.mmu_row(p[1]["codes"], p[1]["question_ids"], p[1]["answer_ids"]).ids) for p in pairs)
        log = torch.tensor([total.item(), parts["t2i"].item(), parts["mmu"].item(), parts["balance"].item()], device=dev)
        dist.all_reduce(log)
        if rank == 0:
            log /= world
            print(json.dumps({"step": step + 1, "loss": round(log[0].item(), 5), "t2i": round(log[1].item(), 5),
                              "mmu": round(log[2].item(), 5), "balance": round(log[3].item(), 6),
                              "s": round(time.time() - t0, 2)}), flush=True)
    # DDP keeps the replicas identical: check it, then rank 0 writes the folder
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    lo, hi = flat.clone(), flat.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    spread = (hi - lo).abs().max().item()
    if rank == 0:
        secs = time.time() - t0
        print(json.dumps({"replicas_max_param_spread": spread, "world": world, "steps": args.steps,
                          "seconds": round(secs, 2), "tokens_per_sec_all_ranks": round(tokens * world / secs, 1)}), flush=True)
        if spread != 0:
            raise SystemExit(f"DDP replicas differ by {spread} after training")
        model.save_folder(args.out, args.init, dtype=args.dtype)
        print(f"wrote {args.out}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--init", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--world", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["f16", "f32"], default="f16")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    if args.device == "cuda" and torch.cuda.device_count() < args.world:
        p.error(f"--device cuda needs {args.world} GPUs (one per rank), found {torch.cuda.device_count()}")
    for k in ("init", "data"):
        if not os.path.isdir(getattr(args, k)):
            p.error(f"--{k} {getattr(args, k)} is not a folder")
    mp.spawn(worker, args=(args.world, args, free_port()), nprocs=args.world, join=True)


if __name__ == "__main__":
    main()
