// Markdown tables for reports: a generic writer (pipes escaped, columns padded) and the probe's
// per-attribute accuracy table.
import { judgedAccuracy, type ProbeAccuracy } from '../probe/accuracy.js';
import type { UnreliableAttribute } from '../probe/config.js';

export type Cell = string | number | boolean | null | undefined;
export type Align = 'left' | 'right';

const cellText = (c: Cell) =>
  c === null || c === undefined ? '' : String(c).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GitHub-flavoured Markdown table; numbers are right-aligned unless `align` says otherwise. */
export function markdownTable(headers: string[], rows: Cell[][], align?: Align[]): string {
  for (const [i, r] of rows.entries())
    if (r.length !== headers.length)
      throw new RangeError(`markdownTable: row ${i} has ${r.length} cells, the header ${headers.length}`);
  const al =
    align ??
    headers.map((_, j) => (rows.length && rows.every((r) => typeof r[j] === 'number') ? 'right' : 'left'));
  const text = [headers.map(cellText), ...rows.map((r) => r.map(cellText))];
  const width = headers.map((_, j) => Math.max(3, ...text.map((r) => r[j].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, j) => (al[j] === 'right' ? c.padStart(width[j]) : c.padEnd(width[j]))).join(' | ')} |`;
  const rule = `| ${width.map((w, j) => (al[j] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(text[0]), rule, ...text.slice(1).map(line)].join('\n');
}

/** A fraction as a percentage with `digits` decimals ('–' for NaN). */
export function pct(x: number, digits = 2): string {
  return Number.isFinite(x) ? (100 * x).toFixed(digits) : '–';
}

/** The probe's per-attribute table (all faces, visible-only, and whether it is excluded). */
export function accuracyTable(acc: ProbeAccuracy, unreliable: readonly UnreliableAttribute[] = []): string {
  const bad = new Set(unreliable.map((u) => u.name));
  const rows: Cell[][] = acc.attributes.map((a) => [
    a.name,
    a.group,
    pct(a.accuracy),
    pct(a.visibleAccuracy),
    `${a.visible}/${a.count}`,
    bad.has(a.name) ? 'excluded' : '',
  ]);
  rows.push(['**overall**', '', pct(acc.overall), pct(acc.overallVisible), '', '']);
  // counted from the rows, so a name in `unreliable` that is not an attribute here changes nothing
  const judged = acc.attributes.filter((a) => !bad.has(a.name)).length;
  if (judged < acc.attributes.length)
    rows.push([`**overall, the ${judged} judged**`, '', pct(judgedAccuracy(acc, unreliable)), '', '', '']);
  return markdownTable(
    ['attribute', 'group', 'accuracy %', 'visible acc. %', 'visible', 'generation metrics'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'left'],
  );
}
