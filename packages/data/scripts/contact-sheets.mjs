// Writes docs/sheets/<attribute>.png: one row per value (taxonomy order), COLUMNS random faces whose
// record shows that value, at 64 px. Run after `pnpm build`: node scripts/contact-sheets.mjs [--columns 6]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ATTRIBUTE_NAMES, attributeSheet, encodePng } from '../dist/index.js';

const { values } = parseArgs({
  options: { columns: { type: 'string', default: '6' }, size: { type: 'string', default: '64' } },
});
const dir = new URL('../docs/sheets/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const name of ATTRIBUTE_NAMES) {
  const im = attributeSheet(name, { size: Number(values.size), columns: Number(values.columns), seed: 1 });
  writeFileSync(new URL(`${name}.png`, dir), encodePng(im.rgb, im.width, im.height, { level: 9 }));
}
console.log(`wrote ${ATTRIBUTE_NAMES.length} sheets to ${dir.pathname}`);
