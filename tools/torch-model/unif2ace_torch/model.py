"""The PyTorch twin of @unif2ace/model's UniF2ace (packages/model/src: sequence.ts, block.ts, model.ts).

Same vocabulary layout (text BPE ids, the 7 specials, K image codes, [MASK]), the same row formats and
per-row attention masks, the same blocks (x += Attn(LN1 x); x += TokenMoE(LN2 x, group); x += SeqMoE(LN3 x,
group) with the router reading each row's pooled condition and the sequence experts' features taken from the
image-token embeddings), final LayerNorm, LM head, and the same loss (T2I D3Diff over the image-code columns
+ MMU answer cross-entropy over the text columns + the MoE balance losses), with the loss's random choices
(CFG dropout, diffusion times, masked positions) drawn from the same Philox streams as UniF2ace.loss.
Parameter names equal the TypeScript state-dict keys, so model.safetensors moves both ways unchanged.

Text is tokenised on the Node side (our BPE tokenizer): rows are built here from token ids.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import safetensors as st
from .diffusion import CosineSchedule, Philox, mask_positions
from .layers import Embedding, LayerNorm, Linear, MultiHeadAttention, attention_bias
from .moe import SeqMoE, TokenMoE, balance_loss

SPECIAL_TOKENS = ["soi", "eoi", "t2i", "mmu", "pad", "bos", "eos"]
GROUPS = ["generation", "understanding"]
DRAW_CFG, DRAW_TIME = 101, 102


class Vocab:
    def __init__(self, text, specials, codes, imageTokens):
        if specials != len(SPECIAL_TOKENS):
            raise ValueError(f"Vocab: {specials} special tokens; this library uses {len(SPECIAL_TOKENS)}")
        self.text, self.specials, self.codes, self.image_tokens = text, specials, codes, imageTokens

    def special(self, name):
        return self.text + SPECIAL_TOKENS.index(name)

    @property
    def code_start(self):
        return self.text + self.specials

    @property
    def mask_id(self):
        return self.code_start + self.codes

    @property
    def size(self):
        return self.mask_id + 1

    @property
    def text_columns(self):
        return self.code_start

    def sizes(self):
        return {"text": self.text, "specials": self.specials, "codes": self.codes, "imageTokens": self.image_tokens}


@dataclass
class Row:
    task: str
    ids: list
    image_start: int
    boundary: int
    answer_start: int = 0
    answer_end: int = 0


def _check_codes(v: Vocab, codes, where):
    if codes is None:
        return
    if len(codes) != v.image_tokens:
        raise ValueError(f"{where}: {len(codes)} image codes, the model reads {v.image_tokens} per image")
    for i, c in enumerate(codes):
        if not (0 <= int(c) <= v.codes):
            raise ValueError(f"{where}: code {c} at {i} is outside [0, {v.codes}] ({v.codes} = [MASK])")


def t2i_row(v: Vocab, caption_ids, codes, text_length) -> Row:
    """<|t2i|> <|pad|>... <|bos|> caption <|eos|> <|soi|> codes <|eoi|>; codes None = all masked."""
    _check_codes(v, codes, "t2i_row")
    cap = list(caption_ids)[: text_length - 2]
    N = v.image_tokens
    pads = text_length - 2 - len(cap)
    ids = [v.special("t2i")] + [v.special("pad")] * pads + [v.special("bos")] + cap + [v.special("eos")]
    soi = text_length + 1
    ids += [v.special("soi")] + [v.code_start + (int(codes[i]) if codes is not None else v.codes) for i in range(N)] + [v.special("eoi")]
    assert len(ids) == text_length + N + 3
    return Row("t2i", ids, soi + 1, soi)


def mmu_row(v: Vocab, codes, question_ids, answer_ids, max_sequence) -> Row:
    """<|mmu|> <|soi|> codes <|eoi|> <|bos|> question answer <|eos|>; answer None = a decoding prompt."""
    _check_codes(v, codes, "mmu_row")
    q = list(question_ids)[: max(0, max_sequence - 3)]
    a = [] if answer_ids is None else list(answer_ids)[: max_sequence - 2 - len(q)]
    N = v.image_tokens
    ids = [v.special("mmu"), v.special("soi")] + [v.code_start + int(c) for c in codes] + [v.special("eoi"), v.special("bos")] + q
    answer_start = len(ids)
    if answer_ids is not None:
        ids += a + [v.special("eos")]
    return Row("mmu", ids, 2, N + 2, answer_start, len(ids))


def row_mask(v: Vocab, row: Row, S: int) -> np.ndarray:
    L = len(row.ids)
    if S < L:
        raise ValueError(f"row_mask: S {S} is shorter than the row ({L} tokens)")
    pad = v.special("pad")
    out = np.zeros((S, S), dtype=np.bool_)
    keys = np.array([t != pad for t in row.ids], dtype=np.bool_)
    for q in range(S):
        if q >= L:
            out[q, 0] = True
            continue
        if row.task == "t2i":
            last = q if q < row.boundary else L - 1
        else:
            last = row.boundary if q <= row.boundary else q
        out[q, : last + 1] = keys[: last + 1]
    return out


@dataclass
class Collated:
    rows: list
    B: int
    S: int
    ids: torch.Tensor  # long [B, S]
    mask: torch.Tensor  # bool [B, S, S]
    groups: list = field(default_factory=list)


def collate(v: Vocab, rows, min_length=0) -> Collated:
    if not rows:
        raise ValueError("collate: no rows")
    B = len(rows)
    S = max([min_length] + [len(r.ids) for r in rows])
    ids = np.full((B, S), v.special("pad"), dtype=np.int64)
    mask = np.zeros((B, S, S), dtype=np.bool_)
    for b, r in enumerate(rows):
        ids[b, : len(r.ids)] = r.ids
        mask[b] = row_mask(v, r, S)
    return Collated(rows, B, S, torch.from_numpy(ids), torch.from_numpy(mask), ["generation" if r.task == "t2i" else "understanding" for r in rows])


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        dim = c["dim"]
        tm, sm = c["tokenMoe"], c["seqMoe"]
        self.ln1 = LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, c["heads"], c["rotaryDim"])
        self.ln2 = LayerNorm(dim)
        self.tokenMoe = TokenMoE(dim, tm["hidden"], GROUPS, tm["routed"], tm["shared"], tm["topK"], tm["balanceWeight"])
        self.ln3 = LayerNorm(dim)
        self.seqMoe = SeqMoE(dim, GROUPS, [sm["generation"], sm["understanding"]], sm["topK"], sm["balanceWeight"],
                             expert_options={"clip": {"featureDim": dim}, "face": {"featureDim": dim}})

    def run(self, x, inp):
        x = x + self.attn(self.ln1(x), bias=inp["bias"])
        t = self.tokenMoe.route(self.ln2(x), inp["groups"])
        x = x + t["y"]
        y, bal = self.seq_route(self.ln3(x), inp)
        return x + y, t["aux_loss"] + bal

    def seq_route(self, x, inp):
        """The model's SeqMoE call: the router reads each row's pooled condition (block.ts seqRoute)."""
        m = self.seqMoe
        B, S, D = x.shape
        G, E = len(GROUPS), m.E
        seq_group = inp["seq_group"]
        gi = seq_group.tolist()
        per_group = [gi.count(g) for g in range(G)]
        pooled = torch.bmm(inp["pool"], x).reshape(B, D)
        r = m.router.route(pooled, seq_group)
        gd = torch.zeros(B, G * E, dtype=x.dtype, device=x.device).scatter(1, r["indices"], r["weights"])
        # as block.ts: the Copy experts' terms are x times the sum of their gate columns (one product for all
        # groups); Zero adds nothing, nor does Noise outside training; only the others run on their rows
        copy_cols = torch.zeros(G * E, 1, dtype=x.dtype, device=x.device)
        rest = []
        for g in range(G):
            for j, name in enumerate(m.expert_names[g]):
                if name == "copy":
                    copy_cols[g * E + j] = 1
                elif name == "zero" or (name == "noise" and not self.training):
                    continue
                elif per_group[g]:
                    rest.append((g, j, name))
        y = x * (gd @ copy_cols).reshape(B, 1, 1)
        for g in range(G):
            mine = [(j, name) for gg_, j, name in rest if gg_ == g]
            if not mine:
                continue
            everyone = per_group[g] == B
            rows = (seq_group == g).nonzero(as_tuple=True)[0]
            xg = x if everyone else x.index_select(0, rows)
            gg = gd if everyone else gd.index_select(0, rows)
            ctx = {"context": inp["context"], "training": self.training, "rows": None if everyone else rows}
            yg = None
            for j, name in mine:
                out = m.experts[GROUPS[g]][str(j)][name](xg, ctx)
                term = out * gg[:, g * E + j].reshape(-1, 1, 1)
                yg = term if yg is None else yg + term
            y = y + (yg if everyone else torch.zeros_like(x).index_add(0, rows, yg))
        bal = balance_loss(r["probs"], r["indices"], per_group, E, m.balance_weight)
        m.last = {"indices": r["indices"].detach(), "gates": r["weights"].detach(), "seq_group": seq_group}
        return y, bal


class UniF2ace(nn.Module):
    def __init__(self, config: dict, vocab: Vocab):
        super().__init__()
        self.config = {k: v for k, v in config.items() if k != "vocab"}
        self.vocab = vocab
        dim = config["dim"]
        self.embed = Embedding(vocab.size, dim, std=0.02)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config["depth"])])
        self.lnFinal = LayerNorm(dim)
        self.head = Linear(dim, vocab.size)

    # ------------------------------------------------------------ rows
    def t2i_row(self, caption_ids, codes):
        return t2i_row(self.vocab, caption_ids, codes, self.config["textLength"])

    def mmu_row(self, codes, question_ids, answer_ids):
        return mmu_row(self.vocab, codes, question_ids, answer_ids, self.config["maxSequence"])

    def collate(self, rows):
        return collate(self.vocab, rows)

    # ------------------------------------------------------------ forward
    def hidden(self, c: Collated):
        B, S = c.B, c.S
        D = self.config["dim"]
        N = self.vocab.image_tokens
        pad = self.vocab.special("pad")
        dev = self.embed.weight.device
        x = self.embed(c.ids.to(dev))
        img = torch.tensor([b * S + r.image_start + i for b, r in enumerate(c.rows) for i in range(N)], dtype=torch.long, device=dev)
        pool = torch.zeros(B, S)
        for b, r in enumerate(c.rows):
            end = len(r.ids) if r.task == "t2i" else r.boundary + 1
            keep = [p for p in range(end) if r.ids[p] != pad]
            pool[b, keep] = 1.0 / len(keep)
        face = x.reshape(B * S, D).index_select(0, img).reshape(B, N, D)
        inp = {
            "bias": attention_bias(c.mask.to(dev)),
            "groups": c.groups,
            "seq_group": torch.tensor([GROUPS.index(g) for g in c.groups], dtype=torch.long, device=dev),
            "pool": pool.reshape(B, 1, S).to(dev),
            "context": {"clip": face.mean(1), "face": face},
        }
        aux = None
        for blk in self.blocks:
            x, a = blk.run(x, inp)
            aux = a if aux is None else aux + a
        return self.lnFinal(x), aux

    def logits_at(self, h, idx, lo, hi):
        D = self.config["dim"]
        rows = h.reshape(-1, D).index_select(0, torch.as_tensor(idx, dtype=torch.long, device=h.device))
        return F.linear(rows, self.head.weight[lo:hi], self.head.bias[lo:hi] if self.head.bias is not None else None)

    def forward(self, c: Collated):
        """Logits [B, S, V] at every position (model.forward(collated) in TS)."""
        h, _ = self.hidden(c)
        return self.head(h)

    # ------------------------------------------------------------ loss
    def loss(self, batch, seed: int, alpha=0.01, objective="d3diff", cfg_dropout=0.1):
        """batch = {"t2i": [{"caption_ids", "codes"}], "mmu": [{"codes", "question_ids", "answer_ids"}]} -> (total, parts)."""
        v = self.vocab
        N, K = v.image_tokens, v.codes
        t2i, mmu = batch.get("t2i", []), batch.get("mmu", [])
        if not t2i and not mmu:
            raise ValueError("UniF2ace.loss: the batch is empty")
        rng = Philox(seed)
        Bt = len(t2i)
        times = [rng.uniform(i, 0, DRAW_TIME) for i in range(Bt)]
        schedule = CosineSchedule()
        hmask = mask_positions(Bt, N, times, seed, schedule)
        rows, targets = [], []
        for i, ex in enumerate(t2i):
            codes = [int(c) for c in ex["codes"]]
            targets.extend(codes)
            noisy = [K if hmask[i * N + j] else c for j, c in enumerate(codes)]
            drop = rng.uniform(i, 0, DRAW_CFG) < cfg_dropout
            rows.append(self.t2i_row([] if drop else ex["caption_ids"], noisy))
        for ex in mmu:
            rows.append(self.mmu_row(ex["codes"], ex["question_ids"], ex["answer_ids"]))
        c = self.collate(rows)
        h, aux = self.hidden(c)
        dev = h.device
        zero = torch.zeros((), device=dev)
        l_t2i = l_mask = l_score = zero
        if Bt:
            idx = [b * c.S + r.image_start + i for b, r in enumerate(rows[:Bt]) for i in range(N)]
            logits = self.logits_at(h, idx, v.code_start, v.code_start + K)
            tgt = torch.tensor(targets, dtype=torch.long, device=dev)
            m = torch.tensor(hmask, dtype=torch.float32, device=dev)
            ce = F.cross_entropy(logits, tgt, reduction="none") * m
            w = torch.tensor([schedule.weight(times[b]) for b in range(Bt) for _ in range(N)], dtype=torch.float32, device=dev)
            denom = m.sum().clamp(min=1)
            l_mask = ce.sum() / denom
            l_score = (ce * w).sum() / denom
            l_t2i = l_mask if objective == "mask" else l_score if objective == "score" else l_mask + alpha * l_score
        l_mmu = zero
        if mmu:
            idx, tgt = [], []
            for i, r in enumerate(rows[Bt:]):
                b = Bt + i
                for p in range(r.answer_start - 1, r.answer_end - 1):
                    idx.append(b * c.S + p)
                    tgt.append(r.ids[p + 1])
            logits = self.logits_at(h, idx, 0, v.text_columns)
            l_mmu = F.cross_entropy(logits, torch.tensor(tgt, dtype=torch.long, device=dev))
        total = l_t2i + l_mmu + aux
        parts = {"t2i": l_t2i.detach(), "mmu": l_mmu.detach(), "balance": aux.detach(), "mask": l_mask.detach(), "score": l_score.detach()}
        return total, parts

    # ------------------------------------------------------------ files
    def folder_config(self):
        return {"format": 1, "model": {**self.config, "vocab": self.vocab.sizes()}}

    @classmethod
    def from_folder(cls, path, device="cpu"):
        with open(os.path.join(path, "config.json")) as f:
            raw = json.load(f)
        if raw.get("format") != 1 or not isinstance(raw.get("model"), dict):
            raise ValueError(f"{path}/config.json: expected {{ \"format\": 1, \"model\": {{ ... }} }}")
        cfg = raw["model"]
        if "vocab" not in cfg:
            raise ValueError(f"{path}/config.json: model.vocab (the vocabulary sizes) is missing")
        m = cls(cfg, Vocab(**cfg["vocab"]))
        m.load_safetensors(os.path.join(path, "model.safetensors"))
        m.eval()
        return m.to(device)

    def load_safetensors(self, file):
        tensors, _ = st.load_file(file)
        own = dict(self.named_parameters())
        missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
        if missing or unexpected:
            raise ValueError(f"{file}: missing {missing[:8]}{'...' if len(missing) > 8 else ''}, unexpected {unexpected[:8]}")
        with torch.no_grad():
            for k, p in own.items():
                a = tensors[k]
                if tuple(a.shape) != tuple(p.shape):
                    raise ValueError(f"{file}: {k} is {list(a.shape)}, the model has {list(p.shape)}")
                p.copy_(torch.from_numpy(a.astype(np.float32)))

    def save_folder(self, path, source_folder, dtype="f16"):
        """Writes config.json + model.safetensors here, and copies tokenizer.json and image-tokenizer/ from
        `source_folder` (the folder the architecture came from): a folder UniF2ace.load reads. Written into a
        sibling temporary folder that then replaces `path` (never a half-written folder)."""
        path = os.path.abspath(path)
        tmp = f"{path}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        tensors = {}
        for k, p in self.named_parameters():
            a = p.detach().cpu().float().numpy()
            tensors[k] = a.astype(np.float16) if dtype == "f16" else a
        st.save_file(os.path.join(tmp, "model.safetensors"), tensors, {"format": "pt", "library": "unif2ace_torch"})
        st.write_atomic(os.path.join(tmp, "config.json"), (json.dumps(self.folder_config(), indent=2) + "\n").encode())
        shutil.copy2(os.path.join(source_folder, "tokenizer.json"), os.path.join(tmp, "tokenizer.json"))
        shutil.copytree(os.path.join(source_folder, "image-tokenizer"), os.path.join(tmp, "image-tokenizer"))
        old = f"{path}.old-{os.getpid()}"
        if os.path.exists(path):
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
