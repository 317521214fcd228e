#!/usr/bin/python3
"""Loads the blocks dumped by parity/dump_blocks.mjs into the PyTorch twins and compares outputs.
Run: node parity/dump_blocks.mjs /tmp/p && /usr/bin/python3 parity/check_blocks.py /tmp/p"""
import json
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from unif2ace_torch import safetensors as st  # noqa: E402
from unif2ace_torch.layers import Embedding, LayerNorm, Linear, MultiHeadAttention  # noqa: E402
from unif2ace_torch.moe import SeqMoE, TokenMoE  # noqa: E402

TOL = 1e-5


def load(m, path):
    raw = pathlib.Path(path).read_bytes()
    tensors, _ = st.parse(raw, str(path))
    own = dict(m.named_parameters())
    missing, unexpected = set(own) - set(tensors), set(tensors) - set(own)
    if missing or unexpected:
        raise SystemExit(f"{path}: missing {sorted(missing)}, unexpected {sorted(unexpected)}")
    with torch.no_grad():
        for k, p in own.items():
            if tuple(p.shape) != tensors[k].shape:
                raise SystemExit(f"{path}: {k} is {tensors[k].shape}, the twin has {tuple(p.shape)}")
            p.copy_(torch.from_numpy(tensors[k].astype(np.float32)))
    # our writer gives the same bytes as nn's for the same tensors
    again = st.serialize({k: tensors[k] for k in tensors})
    assert again == raw, f"{path}: re-serialised bytes differ from nn's"
    return m


def main(d):
    d = pathlib.Path(d)
    spec = json.loads((d / "cases.json").read_text())
    worst = 0.0
    for c in spec["cases"]:
        T = {k: torch.tensor(v["values"], dtype=torch.int64 if v["dtype"] in ("i32", "u32") else torch.float32).reshape(v["shape"]) for k, v in c["tensors"].items()}
        x = T.get("x")
        n = c["name"]
        got = {}
        with torch.no_grad():
            if n == "linear":
                m = load(Linear(16, 24), d / c["weights"])
                got["y"] = m(x)
            elif n == "layernorm":
                m = load(LayerNorm(16), d / c["weights"])
                got["y"] = m(x)
            elif n == "embedding":
                m = load(Embedding(50, 16), d / c["weights"])
                got["y"] = m(T["ids"])
            elif n.startswith("mha"):
                m = load(MultiHeadAttention(16, c["heads"], c["rotaryDim"]), d / c["weights"])
                got["plain"] = m(x)
                got["causal"] = m(x, causal=True)
                got["masked"] = m(x, mask=T["mask"], key_padding=T["keyPadding"])
            elif n.startswith("token_moe"):
                m = load(TokenMoE(16, c["hidden"], experts=c["experts"], shared=c["shared"], top_k=c["topK"], balance_weight=c["balanceWeight"]), d / c["weights"])
                r = m.route(x, c["groups"])
                got["y"], got["balance"] = r["y"], r["balance_loss"]
            elif n == "seq_moe":
                opts = {"clip": {"featureDim": c["featureDim"]}, "face": {"featureDim": c["featureDim"]}}
                m = load(SeqMoE(16, top_k=c["topK"], balance_weight=c["balanceWeight"], expert_options=opts), d / c["weights"])
                m.eval()
                r = m.route(x, c["groups"], context={"clip": T["clip"], "face": T["face"]})
                got["y"], got["balance"] = r["y"], r["balance_loss"]
                picks = m.last["indices"].tolist()
                assert picks == c["picks"], f"seq_moe picks {picks} != ours {c['picks']}"
            else:
                raise SystemExit(f"unknown case {n}")
        for k in c["outputs"]:
            diff = (got[k] - T[k]).abs().max().item()
            worst = max(worst, diff)
            status = "ok" if diff <= TOL else "FAIL"
            print(f"{n:16s} {k:8s} max |diff| {diff:.2e} {status}")
            if diff > TOL:
                raise SystemExit(1)
    print(f"all {len(spec['cases'])} blocks match (backend {spec['backend']}), worst {worst:.2e}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/twin-parity")
