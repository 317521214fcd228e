// Mesa's on-disk shader cache, as tools/test-all.sh sees it. lavapipe (the WebGPU adapter of a machine
// without a GPU) JIT-compiles each pipeline with LLVM the first time it runs and keeps the result here,
// so a cold (empty) cache makes the first test run pay every compile. Two modes:
//   node tools/shader-cache/report.mjs state             one line: where the cache is, its size, cold or warm
//   node tools/shader-cache/report.mjs compiles LOG.jsonl  what the run compiled, from the
//                                                        UNIF2ACE_COMPILE_LOG records (tensor's pipelines.ts)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folders Mesa uses: MESA_SHADER_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache. */
function cacheDirs() {
  if (process.env.MESA_SHADER_CACHE_DIR) return [process.env.MESA_SHADER_CACHE_DIR];
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return ['mesa_shader_cache', 'mesa_shader_cache_db'].map((d) => join(base, d));
}

function bytesUnder(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const e of readdirSync(p)) n += bytesUnder(join(p, e));
  return n;
}

const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
const [mode, file] = process.argv.slice(2);

if (mode === 'state') {
  const dirs = cacheDirs();
  const bytes = dirs.reduce((s, d) => s + bytesUnder(d), 0);
  const disabled =
    process.env.MESA_SHADER_CACHE_DISABLE === 'true' || process.env.MESA_SHADER_CACHE_DISABLE === '1';
  const state = disabled
    ? 'disabled (every run compiles everything)'
    : bytes < 64 * 1024
      ? 'cold (empty: every WebGPU pipeline will be compiled)'
      : 'warm (pipelines compiled before are reused)';
  console.log(`shader cache: ${state}, ${mb(bytes)} in ${dirs.join(', ')}`);
} else if (mode === 'compiles') {
  const rows = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
  const ms = (r) => r.createMs + r.firstMs;
  const total = rows.reduce((s, r) => s + ms(r), 0);
  // A warm cache answers in milliseconds; anything over 0.5 s was an LLVM compile.
  const slow = rows.filter((r) => ms(r) > 500).sort((a, b) => ms(b) - ms(a));
  console.log(
    `shader compiles (WebGPU, Node tests): ${rows.length} new pipelines, ${(total / 1000).toFixed(1)} s in pipeline creation and first dispatches, ${slow.length} over 0.5 s`,
  );
  for (const r of slow.slice(0, 8)) console.log(`  ${(ms(r) / 1000).toFixed(1).padStart(7)} s  ${r.key}`);
} else {
  console.error('usage: node tools/shader-cache/report.mjs state | compiles LOG.jsonl');
  process.exit(2);
}
