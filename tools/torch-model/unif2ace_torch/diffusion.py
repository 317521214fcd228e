"""The host-side randomness and schedule of @unif2ace/diffusion, ported exactly, so the twin's loss makes the
same random choices as UniF2ace.loss for the same seed: Philox4x32-10 (diffusion/src/rng.ts, the 53-bit
open-interval uniforms), the cosine mask schedule m(t) = sin(pi t / 2) with its RADD weight
w(t) = m'(t) / m(t) at max(t, tMin) (schedules.ts), maskCount and lowestK, and maskPositions (mask.ts)."""
from __future__ import annotations

import math

M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
U32 = 0xFFFFFFFF
MASK_KEYS = 1  # Purpose.maskKeys


class Philox:
    def __init__(self, seed: int):
        if not isinstance(seed, int) or seed < 0 or seed >= 2**53:
            raise ValueError(f"Philox: seed must be an integer in [0, 2^53), got {seed}")
        self.key = (seed % 2**32, seed // 2**32)

    def block(self, c0, c1=0, c2=0, c3=0):
        x0, x1, x2, x3 = c0 & U32, c1 & U32, c2 & U32, c3 & U32
        k0, k1 = self.key
        for r in range(10):
            if r > 0:
                k0 = (k0 + W0) & U32
                k1 = (k1 + W1) & U32
            p0 = M0 * x0
            p1 = M1 * x2
            x0, x1, x2, x3 = ((p1 >> 32) ^ x1 ^ k0) & U32, p1 & U32, ((p0 >> 32) ^ x3 ^ k1) & U32, p0 & U32
        return x0, x1, x2, x3

    def uniform(self, index, step, purpose):
        w = self.block(index, step, purpose)
        return _open53(w[0], w[1])

    def uniform2(self, index, step, purpose):
        w = self.block(index, step, purpose)
        return _open53(w[0], w[1]), _open53(w[2], w[3])


def _open53(a, b):
    return ((a >> 6) * 134217728 + (b >> 5) + 0.5) / 9007199254740992


class CosineSchedule:
    name = "cosine"

    def __init__(self, t_min=1e-3):
        self.t_min = t_min

    @staticmethod
    def m(t):
        return 1.0 if t == 1 else math.sin((math.pi / 2) * t)

    @staticmethod
    def dm(t):
        return 0.0 if t == 1 else (math.pi / 2) * math.cos((math.pi / 2) * t)

    def mask_prob(self, t):
        return self.m(t)

    def weight(self, t):
        tc = max(t, self.t_min)
        return self.dm(tc) / self.m(tc)


def mask_count(m, n):
    return min(n, max(1, math.ceil(m * n - 1e-9 * n)))


def lowest_k(scores, k):
    n = len(scores)
    if k <= 0:
        return [0] * n
    if k >= n:
        return [1] * n
    # JS sorts a Float64Array numerically; the k-th smallest, then ties in index order
    cut = sorted(scores)[k - 1]
    out = [0] * n
    left = k
    for i, s in enumerate(scores):
        if s < cut:
            out[i] = 1
            left -= 1
    for i, s in enumerate(scores):
        if left <= 0:
            break
        if s == cut:
            out[i] = 1
            left -= 1
    return out


def mask_positions(batch, length, times, seed, schedule=None):
    schedule = schedule or CosineSchedule()
    rng = Philox(seed)
    mask = []
    for b in range(batch):
        k = 0 if length == 0 else mask_count(schedule.mask_prob(times[b]), length)
        keys = [rng.uniform(b * length + i, 0, MASK_KEYS) for i in range(length)]
        mask.extend(lowest_k(keys, k))
    return mask
