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
// Every package that has a test script must have left its report: a missing one means uncounted tests.
const missing = [];
for (const group of ['packages', 'apps', 'tools']) {
  if (!existsSync(group)) continue;
  for (const pkg of readdirSync(group)) {
    const pj = join(group, pkg, 'package.json');
    if (!existsSync(pj)) continue;
    const scripts = JSON.parse(readFileSync(pj, 'utf8')).scripts ?? {};
    for (const [script, file] of [
      ['test', 'node.json'],
      ['test:browser', 'browser.json'],
    ]) {
      if (scripts[script] && !existsSync(join(group, pkg, '.reports', file)))
        missing.push(`${group}/${pkg} (${script})`);
    }
  }
}
console.log(rows.join('\n'));
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error('error: no test ran');
  process.exit(1);
}
if (missing.length) {
  console.error(
    `error: no test report from ${missing.join(', ')} (its test script must write .reports/*.json)`,
  );
  process.exit(1);
}
if (failed > 0 || skipped > 0) process.exit(1);
