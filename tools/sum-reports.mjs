// Sums the vitest JSON reports every package's test scripts write to .reports/, prints one closing
// line "Tests: N passed, N failed, N skipped", and fails when nothing ran or something was skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const group of ['packages', 'apps', 'tools']) {
  if (!existsSync(group)) continue;
  for (const pkg of readdirSync(group)) {
    const dir = join(group, pkg, '.reports');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + r.numTodoTests;
      rows.push(`  ${`${group}/${pkg} ${f.replace('.json', '')}`.padEnd(40)} ${r.numPassedTests} passed`);
    }
  }
}
console.log(rows.join('\n'));
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error('error: no test ran');
  process.exit(1);
}
if (failed > 0 || skipped > 0) process.exit(1);
