#!/usr/bin/python3
"""Data-parallel training of the UniF2ace twin with torch.distributed (DDP over gloo, CPU processes), reading
our WebDataset shards split by rank, writing a model folder that UniF2ace.load reads in Node and the browser.

  /usr/bin/python3 tools/torch-model/train_ddp.py --init INIT_FOLDER --data PREPARED_SHARDS --out OUT_FOLDER \
      [--world 2] [--steps 20] [--batch 4] [--lr 1e-3] [--seed 0] [--threads 1] [--dtype f16|f32] [--device cpu|cuda] \
      [--warmup W] [--min-lr M] [--save-every N] [--resume]

INIT_FOLDER: a model folder (config.json, model.safetensors, tokenizer.json, image-tokenizer/), e.g. from
`node tools/torch-model/make_init.mjs`; training starts from its weights and OUT_FOLDER gets its tokenizers.
PREPARED_SHARDS: shards with an `ids.json` member per sample ({codes, caption, qa: [{q, a}]} as token ids), from
`node tools/torch-model/prepare_shards.mjs` (images through the image tokenizer, text through the BPE
tokenizer, once). Each step every rank takes `batch` samples of its own shards (rank r reads shards
r, r + world, ... of the seeded shard order, as @unif2ace/data's readShards({ rank, worldSize })), each sample
giving one T2I example (caption -> codes) and one MMU example (one of its questions); the loss is the
twin's UniF2ace.loss (the same as the TypeScript model's); DDP averages the gradients; AdamW
(0.9, 0.999, wd 0.01 on >= 2-D parameters as nn's decayGroups), gradient clipping at 1.0, and with --warmup /
--min-lr nn's warmupCosine schedule. --device cuda: one GPU per rank (cuda:rank) and nccl
instead of gloo (written for GPU machines; this repository's checks ran the CPU/gloo path).

Checkpoints (--save-every N): rank 0 writes OUT_FOLDER.checkpoints/step-NNNNNN/ (weights in f32, AdamW state,
manifest.json last) into a temporary folder renamed into place, so a checkpoint exists only complete; the
two newest are kept. --resume continues from the newest complete one: the same weights, optimizer state,
data position (the streams are deterministic: each rank skips what it had read) and per-step seeds, so
an interrupted run ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import sys
import time

# Several processes share the cores: OpenMP's default spin-waiting threads steal them from the ranks doing
# work (a twin step measured 2.5-7x slower on a loaded 2-core machine). Set before torch starts OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unif2ace_torch import safetensors as st  # noqa: E402
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


def lr_at(args, step):
    """nn's warmupCosine: linear warmup to --lr over --warmup steps, then cosine to --min-lr at --steps;
    a constant --lr when neither is given."""
    if not args.warmup and args.min_lr is None:
        return args.lr
    lo = args.min_lr or 0.0
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return lo + (args.lr - lo) * 0.5 * (1 + math.cos(math.pi * t))


def checkpoint_dir(args):
    return os.path.abspath(args.out) + ".checkpoints"


def fsync_dir(d):
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(args, model, opt, step):
    root = checkpoint_dir(args)
    os.makedirs(root, exist_ok=True)
    name = f"step-{step:06d}"
    tmp = os.path.join(root, f".{name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    weights = {k: p.detach().cpu().float().numpy() for k, p in model.named_parameters()}
    st.save_file(os.path.join(tmp, "model.safetensors"), weights, {"step": str(step)})
    with open(os.path.join(tmp, "optim.pt"), "wb") as f:
        torch.save(opt.state_dict(), f)
        f.flush()
        os.fsync(f.fileno())
    manifest = {"step": step, "world": args.world, "batch": args.batch, "seed": args.seed, "init": os.path.abspath(args.init)}
    st.write_atomic(os.path.join(tmp, "manifest.json"), json.dumps(manifest).encode())
    fsync_dir(tmp)
    final = os.path.join(root, name)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    fsync_dir(root)
    for old in sorted(d for d in os.listdir(root) if d.startswith("step-"))[:-2]:
        shutil.rmtree(os.path.join(root, old), ignore_errors=True)
    return final


def latest_checkpoint(args):
    """The newest complete checkpoint (its manifest exists), or None; torn temporary folders are removed."""
    root = checkpoint_dir(args)
    if not os.path.isdir(root):
        return None
    for d in os.listdir(root):
        if d.startswith("."):
            shutil.rmtree(os.path.join(root, d), ignore_errors=True)
    done = [d for d in os.listdir(root) if d.startswith("step-") and os.path.exists(os.path.join(root, d, "manifest.json"))]
    if not done:
        return None
    path = os.path.join(root, max(done))
    with open(os.path.join(path, "manifest.json")) as f:
        m = json.load(f)
    for k in ("world", "batch", "seed"):
        if m[k] != getattr(args, k):
            raise SystemExit(f"--resume: {path} was written with --{k} {m[k]}, not {getattr(args, k)}; use the same options")
    return path, m["step"]


def worker(rank, world, args, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(args.threads)
    cuda = args.device == "cuda"
    if cuda:
        torch.cuda.set_device(rank)
    dev = torch.device(f"cuda:{rank}" if cuda else "cpu")
    dist.init_process_group("nccl" if cuda else "gloo", rank=rank, world_size=world)
    model = UniF2ace.from_folder(args.init, device=dev)
    model.train()
    ddp = DDP(LossOf(model), device_ids=[rank] if cuda else None, find_unused_parameters=True)
    # nn's decayGroups: no weight decay for 1-D parameters (norm scales, biases), 0.01 for the rest
    params = list(model.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.999))
    stream = examples(args, rank, world)
    first = 0
    found = latest_checkpoint(args) if args.resume else None
    dist.barrier()  # every rank has picked the same checkpoint before any rank goes on
    if found:
        path, first = found
        model.load_safetensors(os.path.join(path, "model.safetensors"))
        opt.load_state_dict(torch.load(os.path.join(path, "optim.pt"), map_location=dev))
        for _ in range(first * args.batch):
            next(stream)
        if rank == 0:
            print(json.dumps({"resumed": path, "step": first}), flush=True)
    t0 = time.time()
    tokens = 0
    for step in range(first, args.steps):
        torch.manual_seed(args.seed * 1_000_003 + step * world + rank)  # the Noise experts' draws, per step
        for g in opt.param_groups:
            g["lr"] = lr_at(args, step)
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
            if args.save_every and (step + 1) % args.save_every == 0 and step + 1 < args.steps:
                print(json.dumps({"checkpoint": save_checkpoint(args, model, opt, step + 1)}), flush=True)
        dist.barrier()
    # DDP keeps the replicas identical: check it, then rank 0 writes the folder
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    lo, hi = flat.clone(), flat.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    spread = (hi - lo).abs().max().item()
    if rank == 0:
        secs = time.time() - t0
        print(json.dumps({"replicas_max_param_spread": spread, "world": world, "steps": args.steps - first,
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
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    p.add_argument("--warmup", type=int, default=0, help="linear warmup steps (nn's warmupCosine)")
    p.add_argument("--min-lr", type=float, default=None, help="cosine decay to this at --steps (with --warmup: default 0)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["f16", "f32"], default="f16")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--save-every", type=int, default=0, help="checkpoint every N steps (0: never)")
    p.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint")
    args = p.parse_args()
    if args.device == "cuda" and torch.cuda.device_count() < args.world:
        p.error(f"--device cuda needs {args.world} GPUs (one per rank), found {torch.cuda.device_count()}")
    for k in ("init", "data"):
        if not os.path.isdir(getattr(args, k)):
            p.error(f"--{k} {getattr(args, k)} is not a folder")
    mp.spawn(worker, args=(args.world, args, free_port()), nprocs=args.world, join=True)


if __name__ == "__main__":
    main()
