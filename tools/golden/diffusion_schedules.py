#!/usr/bin/python3
"""Reference values for @unif2ace/diffusion's mask schedules, in plain Python math (no numpy, no torch).
Each schedule is written here from its cumulative rate sigmaBar(t) (docs/architecture.md, D3Diff), independently of the
TS code, which starts from m(t): the weight is computed as sigmaBar'(t) * r(t), r = 1 / expm1(sigmaBar),
so the fixture also checks the identity sigma' * r = m'/m the losses rely on.
Writes packages/diffusion/src/fixtures/schedules.json.   Run: python3 tools/golden/diffusion_schedules.py"""
import json, math, pathlib

EPS = 1e-3   # log-linear eps
T_MIN = 1e-3  # weight clamp
TS = [0.0, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.6, 0.75, 0.9, 0.99, 0.999]

def cosine(t):  # sigmaBar = -log(1 - sin(pi t / 2))
    s = -math.log(1 - math.sin(math.pi * t / 2))
    ds = (math.pi / 2) * math.cos(math.pi * t / 2) / (1 - math.sin(math.pi * t / 2))
    return s, ds

def linear(t):  # sigmaBar = -log(1 - t)
    return -math.log(1 - t), 1 / (1 - t)

def log_linear(t):  # SEDD: sigmaBar = -log(1 - (1 - eps) t)
    return -math.log(1 - (1 - EPS) * t), (1 - EPS) / (1 - (1 - EPS) * t)

out = {"generator": "tools/golden/diffusion_schedules.py", "eps": EPS, "tMin": T_MIN, "t": TS, "schedules": {}}
for name, f in [("cosine", cosine), ("linear", linear), ("log-linear", log_linear)]:
    rows = {"maskProb": [], "sigmaBar": [], "rate": [], "ratio": [], "weight": [], "maskCount64": []}
    for t in TS:
        s, ds = f(t)
        rows["maskProb"].append(-math.expm1(-s))
        rows["sigmaBar"].append(s)
        rows["rate"].append(ds)
        tc = max(t, T_MIN)
        sc, dsc = f(tc)
        r = 1 / math.expm1(sc)
        rows["ratio"].append(r)
        rows["weight"].append(dsc * r)
        m = -math.expm1(-s)
        rows["maskCount64"].append(min(64, max(1, math.ceil(round(m * 64, 9)))))
    out["schedules"][name] = rows
p = pathlib.Path(__file__).resolve().parents[2] / "packages/diffusion/src/fixtures/schedules.json"
p.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", p)
