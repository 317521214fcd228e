#!/usr/bin/env bash
# Regenerates packages/model/test/fixtures/tiny/ (a tiny model trained a few steps by the PyTorch twin with
# DDP, 2 processes over gloo, from shards split by rank) and tiny-golden.json (the twin's logits and loss for
# the fixed mixed batch), which packages/model/test/golden.test.ts compares with UniF2ace.load's.
# Needs python3-torch (Debian) and the built packages (pnpm exec turbo run build). About 20 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fixtures=packages/model/test/fixtures
node packages/data/dist/cli.js generate --count 160 --size 16 --out "$work/data" --shard-size 10 --workers 1 --seed 0
node tools/torch-model/make_init.mjs --preset tiny --data "$work/data/train" --out "$work/init" --seed 0
node tools/torch-model/prepare_shards.mjs --model "$work/init" --data "$work/data/train" --out "$work/prep" --backend cpu
"$PY" tools/torch-model/train_ddp.py --init "$work/init" --data "$work/prep" --out "$work/trained" \
  --world 2 --steps 30 --batch 4 --lr 3e-3 --seed 0 --dtype f16
rm -rf "$fixtures/tiny" && mkdir -p "$fixtures" && cp -r "$work/trained" "$fixtures/tiny"
node tools/torch-model/golden/batch.mjs --model "$fixtures/tiny" --out "$work/batch.json"
"$PY" tools/torch-model/golden/twin_logits.py --model "$fixtures/tiny" --batch "$work/batch.json" \
  --out "$fixtures/tiny-golden.json" --model-ref packages/model/test/fixtures/tiny
node tools/torch-model/golden/compare.mjs --model "$fixtures/tiny" --golden "$fixtures/tiny-golden.json"
