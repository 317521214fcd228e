#!/usr/bin/python3
"""The Python shard reader yields the same keys, per rank, as @unif2ace/data's readShards.
Run: node parity/dump_shards.mjs /tmp/s && /usr/bin/python3 parity/check_shards.py /tmp/s"""
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from unif2ace_torch.shards import read_shards  # noqa: E402

d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/twin-shards")
runs = json.loads((d / "runs.json").read_text())
for r in runs:
    o = r["options"]
    keys = [s["key"] for s in read_shards(dir=str(d), rank=r["rank"], world_size=r["worldSize"], seed=o.get("seed", 0),
                                          shuffle_buffer=o.get("shuffleBuffer", 0), shuffle_shards=o.get("shuffleShards"))]
    if keys != r["keys"]:
        raise SystemExit(f"mismatch for {r['options']} rank {r['rank']}/{r['worldSize']}:\n python {keys}\n node   {r['keys']}")
print(f"all {len(runs)} (options, rank) runs yield the same keys as readShards")
