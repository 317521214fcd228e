#!/usr/bin/python3
"""Golden values for @unif2ace/nn from PyTorch: Linear forward/backward, AdamW and SGD-momentum steps,
gradient clipping. Writes packages/nn/src/fixtures/nn.json (inputs included).
Run: /usr/bin/python3 tools/golden/nn.py   (needs python3-torch: tools/setup/setup --torch)"""
import json, pathlib
import torch

torch.manual_seed(1)
r = lambda *s: torch.randn(*s)
out = {"generator": "tools/golden/nn.py", "torch": torch.__version__}

x, w, b = r(3, 4), r(5, 4), r(5)
wt, bt = w.clone().requires_grad_(), b.clone().requires_grad_()
y = torch.nn.functional.linear(x, wt, bt)
gy = r(3, 5)
y.backward(gy)
out["linear"] = {"x": x.flatten().tolist(), "w": w.flatten().tolist(), "b": b.flatten().tolist(), "gy": gy.flatten().tolist(),
                 "y": y.detach().flatten().tolist(), "gw": wt.grad.flatten().tolist(), "gb": bt.grad.flatten().tolist()}

def run_opt(make, steps=3):
    p0, grads = r(2, 3), [r(2, 3) for _ in range(steps)]
    p = p0.clone().requires_grad_()
    opt = make([p])
    for g in grads:
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
    return {"p0": p0.flatten().tolist(), "grads": [g.flatten().tolist() for g in grads], "p": p.detach().flatten().tolist()}

out["adamw"] = run_opt(lambda ps: torch.optim.AdamW(ps, lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05))
out["sgd"] = run_opt(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))

g1, g2 = r(3, 2), r(4)
a, c = torch.zeros(3, 2, requires_grad=True), torch.zeros(4, requires_grad=True)
a.grad, c.grad = g1.clone(), g2.clone()
norm = torch.nn.utils.clip_grad_norm_([a, c], 0.5)
out["clip"] = {"g1": g1.flatten().tolist(), "g2": g2.flatten().tolist(), "max": 0.5, "norm": float(norm),
               "c1": a.grad.flatten().tolist(), "c2": c.grad.flatten().tolist()}
p = pathlib.Path(__file__).resolve().parents[2] / "packages/nn/src/fixtures/nn.json"
p.write_text(json.dumps(out, indent=1))
print("wrote", p)
