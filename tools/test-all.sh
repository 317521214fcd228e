#!/usr/bin/env bash
# Every check CI runs, stage by stage, with each stage's time: lint, import cycles, build, typecheck, Node tests
# (GPU tests on the real adapter: Dawn on lavapipe), browser tests (headless Chromium, SwiftShader).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TURBO_TELEMETRY_DISABLED=1 FORCE_COLOR=0
rm -rf packages/*/.reports apps/*/.reports tools/*/.reports
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
stage lint pnpm exec biome check .
# No runtime import cycle inside a package, and tensor's layers point down (type-only imports are fine).
stage cycles node tools/check-cycles.mjs --self-test
stage build pnpm exec turbo run build --output-logs=errors-only
stage typecheck pnpm exec turbo run typecheck --output-logs=errors-only
stage test-node pnpm exec turbo run test --concurrency=1
stage test-browser pnpm exec turbo run test:browser --concurrency=1
echo "=== stage times"
printf '  %s\n' "${times[@]}"
node tools/sum-reports.mjs
