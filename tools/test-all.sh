#!/usr/bin/env bash
# Every check CI runs, stage by stage, with each stage's time: lint, import cycles, build, typecheck, Node tests
# (GPU tests on the real adapter: Dawn on lavapipe), browser tests (headless Chromium, SwiftShader).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1 FORCE_COLOR=0
rm -rf .reports packages/*/.reports apps/*/.reports tools/*/.reports
times=()
stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== stage: $name"
  "$@"
  times+=("$(printf '%-12s %5d s' "$name" $((SECONDS - t0)))")
}
# No adapter means a broken machine, never skipped GPU tests.
stage adapter node tools/setup/probe-adapter.mjs
# lavapipe compiles each WebGPU pipeline the first time it runs and caches it on disk: a cold cache (a
# fresh machine, .ci/run) makes the Node test stage pay every compile. Say which it is, and log what the
# tests compile (packages/tensor pipelines.ts, UNIF2ACE_COMPILE_LOG) so a slow run explains itself.
# (A fixed path, so turbo's task hash, which includes UNIF2ACE_*, stays the same from run to run.)
node tools/shader-cache/report.mjs state
compile_log=$PWD/.reports/shader-compiles.jsonl
mkdir -p .reports && rm -f "$compile_log"
shader_report() {
  node tools/shader-cache/report.mjs compiles "$compile_log"
  node tools/shader-cache/report.mjs state
}
trap shader_report EXIT # a failing stage still explains its time
stage lint pnpm exec biome check .
# No runtime import cycle inside a package, and tensor's layers point down (type-only imports are fine).
stage cycles node tools/check-cycles.mjs --self-test
stage build pnpm exec turbo run build --output-logs=errors-only
stage typecheck pnpm exec turbo run typecheck --output-logs=errors-only
stage test-node env UNIF2ACE_COMPILE_LOG="$compile_log" pnpm exec turbo run test --concurrency=1
stage test-browser pnpm exec turbo run test:browser --concurrency=1
echo "=== stage times"
printf '  %s\n' "${times[@]}"
trap - EXIT
shader_report
node tools/sum-reports.mjs
