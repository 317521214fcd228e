"""Twins of @unif2ace/moe's TokenMoE and SeqMoE (packages/moe/src), same parameter names and math.

Router (router.ts): logits = x W^T with the other groups' logits set to -1e9, softmax over all G*E, top-k of
the probabilities, gates renormalised over the k picks. TokenMoE (token-moe.ts, experts.ts, shared-expert.ts):
every built-in 'mlp' expert y = gelu(x W1) W2 (no biases) sits in one bank w1 [S, dim, hidden],
w2 [S, hidden, dim], with per group `shared` shared slots then the routed slots; y = sum of gated routed
experts + sum of the group's shared experts. Balance loss (balance-loss.ts): per group
lambda * E * sum_i f_i P_i, computed as sum_i probsum_i * count_i * lambda E / (k T_g^2).
SeqMoE (seq-moe.ts, seq-experts.ts): a router on the mean over the sequence; experts copy, zero,
noise (N(0, std) while training, 0 in eval), clip (x + proj(f)), face (w x + (1 - w) out(attn(q(x), kv(proj(f))))).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .layers import Linear, attention

MASKED = -1e9


class Router(nn.Module):
    def __init__(self, dim: int, groups: int, experts: int, top_k: int):
        super().__init__()
        if not (1 <= top_k <= experts):
            raise ValueError(f"Router: topK must be an integer in [1, {experts}], got {top_k}")
        self.groups, self.experts, self.top_k = groups, experts, top_k
        self.weight = nn.Parameter(torch.randn(groups * experts, dim) * 0.02)

    def route(self, x, token_group):
        """x [T, dim], token_group long [T] -> dict(logits, probs, weights, indices)."""
        T = x.shape[0]
        E = self.experts
        col = torch.arange(self.groups * E, device=x.device)[None, :] // E
        mask = torch.where(col == token_group[:, None], 0.0, MASKED).to(x.dtype)
        logits = F.linear(x, self.weight) + mask
        probs = torch.softmax(logits, dim=-1)
        values, indices = torch.topk(probs, self.top_k, dim=-1)
        weights = values / values.sum(-1, keepdim=True)
        return {"logits": logits, "probs": probs, "weights": weights, "indices": indices}


def balance_loss(probs, indices, tokens_per_group, experts, lam):
    T, GE = probs.shape
    k = indices.shape[1]
    counts = torch.zeros(GE, dtype=probs.dtype, device=probs.device)
    counts.index_add_(0, indices.reshape(-1), torch.ones(T * k, dtype=probs.dtype, device=probs.device))
    scale = torch.tensor(
        [(lam * experts) / (k * tokens_per_group[i // experts] ** 2) if tokens_per_group[i // experts] > 0 else 0.0 for i in range(GE)],
        dtype=torch.float32,
    ).to(probs.dtype).to(probs.device)
    return (probs.sum(0) * counts * scale).sum()


class ExpertBank(nn.Module):
    def __init__(self, slots: int, dim: int, hidden: int):
        super().__init__()
        self.slots, self.dim, self.hidden = slots, dim, hidden
        b1, b2 = 1 / math.sqrt(dim), 1 / math.sqrt(hidden)
        self.w1 = nn.Parameter(torch.empty(slots, dim, hidden).uniform_(-b1, b1))
        self.w2 = nn.Parameter(torch.empty(slots, hidden, dim).uniform_(-b2, b2))

    def expert(self, s: int, x):
        return torch.matmul(F.gelu(torch.matmul(x, self.w1[s])), self.w2[s])


class TokenMoE(nn.Module):
    def __init__(self, dim, hidden, groups=("generation", "understanding"), experts=4, shared=1, top_k=2,
                 balance_weight=0.01, z_loss_weight=0.0, capacity_factor=None):
        super().__init__()
        if capacity_factor is not None:
            raise NotImplementedError("TokenMoE twin: capacityFactor is not mirrored (UniF2ace runs unlimited)")
        names = ["mlp"] * experts if isinstance(experts, int) else list(experts)
        if any(n != "mlp" for n in names):
            raise NotImplementedError(f"TokenMoE twin: only built-in 'mlp' token experts, got {names}")
        self.group_names = list(groups)
        self.E = len(names)
        self.shared = shared
        self.top_k = top_k
        self.balance_weight = balance_weight
        self.z_loss_weight = z_loss_weight
        G = len(self.group_names)
        self.slots_per_group = shared + self.E
        self.router = Router(dim, G, self.E, top_k)
        self.bank = ExpertBank(G * self.slots_per_group, dim, hidden)
        self.last = None

    def group_index(self, groups):
        out = []
        for b, v in enumerate(groups):
            g = v if isinstance(v, int) else (self.group_names.index(v) if v in self.group_names else -1)
            if not (0 <= g < len(self.group_names)):
                raise ValueError(f"TokenMoE: sequence {b} names group {v!r}; groups are {self.group_names}")
            out.append(g)
        return out

    def route(self, x, groups):
        """x [B, L, dim] (or [B*L, dim]), groups: one name/index per sequence -> dict(y, aux_loss, balance_loss, z_loss)."""
        D = x.shape[-1]
        T = x.numel() // D
        B = len(groups)
        L = T // B
        gi = self.group_index(groups)
        token_group = torch.tensor(gi, dtype=torch.long, device=x.device).repeat_interleave(L)
        tokens_per_group = [L * gi.count(g) for g in range(len(self.group_names))]
        xt = x.reshape(T, D)
        r = self.router.route(xt, token_group)
        k, E, S = self.top_k, self.E, self.shared
        # every assignment (routed: token t's k picks with their gates; shared: its group's S experts with
        # gate 1) sorted by bank slot, the rows gathered once, each slot's expert run on its contiguous chunk,
        # the gated outputs added back per token in one scatter (as token-moe.ts's dispatch does)
        idx = r["indices"].reshape(-1)
        slots = [(idx // E) * self.slots_per_group + S + idx % E]
        toks = [torch.arange(T, device=x.device).repeat_interleave(k)]
        gates = [r["weights"].reshape(-1)]
        if S:
            base = token_group * self.slots_per_group
            slots.append((base[:, None] + torch.arange(S, device=x.device)[None, :]).reshape(-1))
            toks.append(torch.arange(T, device=x.device).repeat_interleave(S))
            gates.append(torch.ones(T * S, dtype=xt.dtype, device=x.device))
        slot, tok, gate = torch.cat(slots), torch.cat(toks), torch.cat(gates)
        order = torch.argsort(slot, stable=True)
        slot, tok, gate = slot[order], tok[order], gate[order]
        counts = torch.bincount(slot, minlength=self.bank.slots).tolist()
        xs = xt.index_select(0, tok)
        # unbind once: each slot's weights as a view whose gradients are stacked once in backward (indexing
        # w1[s] per slot would allocate a full-bank zero gradient per slot)
        w1s, w2s = self.bank.w1.unbind(0), self.bank.w2.unbind(0)
        outs, at = [], 0
        for s_, n in enumerate(counts):
            if n:
                outs.append(torch.matmul(F.gelu(torch.matmul(xs[at:at + n], w1s[s_])), w2s[s_]))
                at += n
        y = torch.zeros_like(xt).index_add_(0, tok, torch.cat(outs) * gate[:, None])
        bal = balance_loss(r["probs"], r["indices"], tokens_per_group, E, self.balance_weight)
        z = (torch.logsumexp(r["logits"], -1) ** 2).mean() * self.z_loss_weight if self.z_loss_weight else torch.zeros((), device=x.device)
        self.last = {"indices": r["indices"].detach(), "gates": r["weights"].detach(), "token_group": token_group}
        return {"y": y.reshape(x.shape), "aux_loss": bal + z, "balance_loss": bal, "z_loss": z}

    def forward(self, x, groups):
        return self.route(x, groups)["y"]


class CopyExpert(nn.Module):
    def forward(self, x, ctx):
        return x


class ZeroExpert(nn.Module):
    def forward(self, x, ctx):
        return x * 0


class NoiseExpert(nn.Module):
    def __init__(self, std=0.1):
        super().__init__()
        self.std = std

    def forward(self, x, ctx):
        if not ctx["training"]:
            return x * 0
        return torch.randn_like(x) * self.std


def _features(name, key, ctx):
    f = ctx.get("features_fn", {}).get(name)
    f = f(ctx.get("context")) if f is not None else (ctx.get("context") or {}).get(key)
    if f is None:
        raise ValueError(f"sequence expert '{name}': no features (context['{key}'])")
    rows = ctx.get("rows")
    return f if rows is None else f.index_select(0, rows)


class ClipExpert(nn.Module):
    def __init__(self, dim, feature_dim):
        super().__init__()
        self.dim, self.feature_dim = dim, feature_dim
        self.proj = Linear(feature_dim, dim)

    def forward(self, x, ctx):
        f = _features("clip", "clip", ctx)
        if f.dim() != 2 or f.shape[1] != self.feature_dim or f.shape[0] != x.shape[0]:
            raise ValueError(f"sequence expert 'clip': features must be [B, {self.feature_dim}], got {list(f.shape)}")
        return x + self.proj(f).reshape(x.shape[0], 1, self.dim)


class FaceExpert(nn.Module):
    def __init__(self, dim, feature_dim):
        super().__init__()
        self.dim, self.feature_dim = dim, feature_dim
        self.proj = Linear(feature_dim, dim)
        self.q = Linear(dim, dim, bias=False)
        self.kv = Linear(dim, 2 * dim, bias=False)
        self.out = Linear(dim, dim)
        self.mix = nn.Parameter(torch.tensor([2.0]))

    def forward(self, x, ctx):
        f = _features("face", "face", ctx)
        B, L, D = x.shape
        if f.dim() != 3 or f.shape[2] != self.feature_dim or f.shape[0] != B:
            raise ValueError(f"sequence expert 'face': features must be [B, n, {self.feature_dim}], got {list(f.shape)}")
        n = f.shape[1]
        tok = self.proj(f)
        q = self.q(x).reshape(B, 1, L, D)
        kv = self.kv(tok).reshape(B, n, 2, D)
        k = kv[:, :, 0].reshape(B, 1, n, D)
        v = kv[:, :, 1].reshape(B, 1, n, D)
        r = self.out(attention(q, k, v).reshape(B, L, D))
        w = torch.sigmoid(self.mix)
        return x * w + r * (1 - w)


DEFAULT_SEQ_EXPERTS = {
    "generation": ["copy", "copy", "zero", "noise"],
    "understanding": ["copy", "copy", "clip", "face"],
}


def make_seq_expert(name, dim, options):
    o = options.get(name, {})
    if name == "copy":
        return CopyExpert()
    if name == "zero":
        return ZeroExpert()
    if name == "noise":
        return NoiseExpert(o.get("std", 0.1))
    if name == "clip":
        return ClipExpert(dim, o["featureDim"])
    if name == "face":
        return FaceExpert(dim, o["featureDim"])
    raise ValueError(f"unknown sequence-level expert '{name}' (the twin knows copy, zero, noise, clip, face)")


class SeqMoE(nn.Module):
    def __init__(self, dim, groups=("generation", "understanding"), experts=None, top_k=2, balance_weight=0.01,
                 expert_options=None):
        super().__init__()
        self.group_names = list(groups)
        self.expert_names = experts or [DEFAULT_SEQ_EXPERTS.get(g, ["copy", "copy", "zero", "noise"]) for g in self.group_names]
        E = len(self.expert_names[0])
        if any(len(l) != E for l in self.expert_names):
            raise ValueError("SeqMoE: every group needs the same number of experts")
        self.E, self.top_k, self.balance_weight = E, top_k, balance_weight
        opts = expert_options or {}
        # torch names cannot hold dots: nest ModuleDicts so the keys read experts.<group>.<j>.<name>.* as in TS
        self.experts = nn.ModuleDict({
            group: nn.ModuleDict({str(j): nn.ModuleDict({name: make_seq_expert(name, dim, opts)}) for j, name in enumerate(self.expert_names[g])})
            for g, group in enumerate(self.group_names)
        })
        self.router = Router(dim, len(self.group_names), E, top_k)
        self.features_fn = {}
        self.last = None

    def route(self, x, groups, context=None):
        B, L, D = x.shape
        G, E, k = len(self.group_names), self.E, self.top_k
        gi = [v if isinstance(v, int) else self.group_names.index(v) for v in groups]
        seq_group = torch.tensor(gi, dtype=torch.long, device=x.device)
        per_group = [gi.count(g) for g in range(G)]
        r = self.router.route(x.mean(1), seq_group)
        gd = torch.zeros(B, G * E, dtype=x.dtype, device=x.device).scatter(1, r["indices"], r["weights"])
        y = torch.zeros_like(x)
        for g in range(G):
            if not per_group[g]:
                continue
            rows = (seq_group == g).nonzero(as_tuple=True)[0]
            xg = x.index_select(0, rows)
            gg = gd.index_select(0, rows)
            ctx = {"context": context, "training": self.training, "rows": rows, "features_fn": self.features_fn}
            yg = None
            for j, name in enumerate(self.expert_names[g]):
                out = self.experts[self.group_names[g]][str(j)][name](xg, ctx)
                term = out * gg[:, g * E + j].reshape(-1, 1, 1)
                yg = term if yg is None else yg + term
            y = y.index_add(0, rows, yg)
        bal = balance_loss(r["probs"], r["indices"], per_group, E, self.balance_weight)
        self.last = {"indices": r["indices"].detach(), "gates": r["weights"].detach(), "seq_group": seq_group}
        return {"y": y, "aux_loss": bal, "balance_loss": bal}

    def forward(self, x, groups, context=None):
        return self.route(x, groups, context)["y"]
