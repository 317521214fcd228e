#!/usr/bin/python3
"""The twin's logits (and loss) for golden/batch.mjs's batch, as the JSON the Node side compares with:
  /usr/bin/python3 tools/torch-model/golden/twin_logits.py --model FOLDER --batch batch.json --out golden.json
Full logit rows at 3 positions per row (the first, an image or question position, the last real one), and
for every position of every row (batch padding included) the mean, the L2 norm and the argmax of its logits;
plus the loss of the batch's training part in eval mode (the Noise experts give 0 there) and its gradient:
per parameter its sum and L2 norm, and every value of one small tensor."""
import argparse
import json
import os
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from unif2ace_torch.model import UniF2ace  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--batch", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--model-ref", help="how the JSON names the model folder (default: the path given)")
    a = p.parse_args()
    torch.set_num_threads(1)
    spec = json.loads(pathlib.Path(a.batch).read_text())
    m = UniF2ace.from_folder(a.model)
    rows = []
    for r in spec["rows"]:
        if r["task"] == "t2i":
            rows.append(m.t2i_row(r["captionIds"], r["codes"]))
        else:
            rows.append(m.mmu_row(r["codes"], r["questionIds"], r["answerIds"]))
    c = m.collate(rows)
    with torch.no_grad():
        logits = m(c).double()  # [B, S, V]
        picks = []
        for b, r in enumerate(rows):
            L = len(r.ids)
            mid = r.image_start + 1 if r.task == "t2i" else r.boundary + 2
            for pos in sorted({0, min(mid, L - 1), L - 1}):
                picks.append({"row": b, "pos": pos, "logits": [round(v, 7) for v in logits[b, pos].tolist()]})
        stats = {
            "mean": [[round(v, 7) for v in row] for row in logits.mean(-1).tolist()],
            "norm": [[round(v, 6) for v in row] for row in logits.norm(dim=-1).tolist()],
            "argmax": logits.argmax(-1).tolist(),
        }
        L = spec["loss"]
        batch = {
            "t2i": [{"caption_ids": e["captionIds"], "codes": e["codes"]} for e in L["t2i"]],
            "mmu": [{"codes": e["codes"], "question_ids": e["questionIds"], "answer_ids": e["answerIds"]} for e in L["mmu"]],
        }
    total, parts = m.loss(batch, seed=L["seed"], alpha=L["alpha"], cfg_dropout=L["cfgDropout"])
    total.backward()
    # per parameter: the gradient's sum and L2 norm (and every value of one small tensor)
    grads = {k: [p.grad.double().sum().item(), p.grad.double().norm().item()] for k, p in m.named_parameters() if p.grad is not None}
    small = "blocks.1.seqMoe.router.weight"
    out = {
        "generator": "tools/torch-model/golden/twin_logits.py (see tools/torch-model/README.md)",
        "torch": torch.__version__,
        "model": a.model_ref or a.model,
        "batch": spec,
        "ids": [r.ids for r in rows],
        "S": c.S,
        "vocab": m.vocab.size,
        "picks": picks,
        "stats": stats,
        "loss": {"total": total.item(), **{k: v.item() for k, v in parts.items()}},
        "grads": grads,
        "gradValues": {small: [round(v, 9) for v in dict(m.named_parameters())[small].grad.reshape(-1).tolist()]},
    }
    pathlib.Path(a.out).write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {a.out}: {len(rows)} rows, S {c.S}, V {m.vocab.size}, loss {out['loss']}")


if __name__ == "__main__":
    main()
