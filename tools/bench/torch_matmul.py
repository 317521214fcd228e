#!/usr/bin/python3
"""PyTorch CPU matmul timings for packages/tensor/bench (one JSON line on stdout).

Usage: torch_matmul.py SIZES DTYPES REPS   e.g. torch_matmul.py 256,512 float32,float16 5
Run it with LD_LIBRARY_PATH pointing at an OpenBLAS (the bench extracts libopenblas0-pthread): Debian's
python3-torch links the reference BLAS through libblas.so.3, which is ~3 GFLOP/s.
Each entry: {"n", "dtype", "ms" (median of REPS after 2 warm-ups) or "error"}.
"""
import json
import sys
import time

import torch

sizes = [int(s) for s in sys.argv[1].split(',')]
dtypes = sys.argv[2].split(',')
reps = int(sys.argv[3])
torch.manual_seed(0)
out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'config': '', 'rows': []}
cfg = torch.__config__.show()
out['config'] = ' '.join(line.strip() for line in cfg.splitlines() if 'BLAS' in line)[:200]
for dt in dtypes:
    for n in sizes:
        try:
            a = torch.rand(n, n, dtype=getattr(torch, dt))
            b = torch.rand(n, n, dtype=getattr(torch, dt))
            for _ in range(2):
                torch.mm(a, b)
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                torch.mm(a, b)
                ts.append((time.perf_counter() - t0) * 1e3)
            ts.sort()
            out['rows'].append({'n': n, 'dtype': dt, 'ms': ts[len(ts) // 2]})
        except Exception as e:  # e.g. no Half matmul on CPU in torch 1.13
            out['rows'].append({'n': n, 'dtype': dt, 'error': str(e).splitlines()[0][:120]})
print(json.dumps(out))
