// What is the best accuracy any judge could reach on the taxonomy's labels at 64 px? For N held-out faces
// (the test split evaluate-probe uses, base seed SEED) and every attribute, visible or hidden, re-render the
// SAME face (same seed: same jitter, pose offsets, colours, freckles) once per other value of that attribute
// and measure the pixel distance to the original (src/probe/identifiability.ts). Per face and attribute the
// labels no judge can tell apart (labelSets: alternatives with the same picture, and hiding rules whose
// condition is not drawn) give the ceiling (a fair guess among them), per tier of "the same picture"
// (AMBIGUITY_TIERS). Printed: the per-attribute table (visible faces), the same with "hidden" as a label (all
// faces), where the ambiguous faces concentrate (what a hiddenWhen rule would need), the probe's accuracy by
// signal strength and its weakest conditions, the same logits decoded with the taxonomy's rules, the
// suspected hiding places measured, and the converse (hidden labels whose pixels do change). With the probe
// (PROBE=DIR, default the shipped one; PROBE=none skips it): how many of its errors answer a label the
// picture cannot tell from the truth. A sizing script, not a test.
// Run (from packages/eval): esbuild bench/identifiability.ts --bundle --platform=node --format=esm \
//        --packages=external --outfile=.bench/identifiability.mjs && \
//      N=2000 SEED=0 nice -n 5 node .bench/identifiability.mjs [--json out.json]
import { writeFileSync } from 'node:fs';
import {
  ATTRIBUTE_NAMES,
  type AttributeName,
  attributeSpec,
  type FaceAttributes,
  Rng,
  renderFace,
  sampleAttributes,
  visibleAttributes,
} from '@unif2ace/data';
import { init } from '@unif2ace/tensor';
import { splitSeeds } from '../src/probe/faces.js';
import { decodeRow, HIDDEN } from '../src/probe/heads.js';
import {
  AMBIGUITY_TIERS,
  type Counterfactual,
  counterfactuals,
  faceCredit,
  labelSets,
  renderDiff,
  samplerAllows,
} from '../src/probe/identifiability.js';
import { FaceProbe } from '../src/probe/probe.js';

const env = process.env;
const N = Number(env.N ?? 2000);
const SEED = Number(env.SEED ?? 0);
const PROBE = env.PROBE ?? '';
const argJson = process.argv.indexOf('--json');
const jsonOut = argJson > 0 ? process.argv[argJson + 1] : null;
if (!Number.isInteger(N) || N < 1)
  throw new Error(`identifiability: N must be a positive integer, got "${env.N}"`);
if (!Number.isInteger(SEED) || SEED < 0)
  throw new Error(`identifiability: SEED must be a non-negative integer, got "${env.SEED}"`);
if (argJson > 0 && !jsonOut) throw new Error('identifiability: --json needs a file path');
const TIERS = AMBIGUITY_TIERS;
const T = TIERS.length;

interface Face {
  seed: number;
  attrs: FaceAttributes;
  base: Uint8Array;
  /** Counterfactual rows per attribute (visible attributes only). */
  rows: Map<AttributeName, Counterfactual[]>;
  /** Counterfactual rows of the attributes the taxonomy hides on this face. */
  hidden: Counterfactual[];
  /** Per tier, per attribute: the labels no judge can tell apart on this face (labelSets over all rows). */
  sets: Map<AttributeName, Set<unknown>>[];
}

const t0 = Date.now();
const faces: Face[] = [];
for (const [i, seed] of splitSeeds(SEED, 'test', N).entries()) {
  const attrs = sampleAttributes(Rng.derive(seed, 'attributes'));
  const { base, rows } = counterfactuals(attrs, seed);
  const by = new Map<AttributeName, Counterfactual[]>();
  for (const r of rows) {
    const list = by.get(r.name) ?? [];
    list.push(r);
    by.set(r.name, list);
  }
  // attributes whose every alternative is one the sampler never draws still count as visible faces
  const vis = visibleAttributes(attrs);
  for (const n of ATTRIBUTE_NAMES) if (vis[n] !== null && !by.has(n)) by.set(n, []);
  // the converse check: attributes the taxonomy hides here — does every value really draw the same picture?
  const hiddenNames = ATTRIBUTE_NAMES.filter((n) => vis[n] === null);
  const hidden = counterfactuals(attrs, seed, { attributes: hiddenNames, includeHidden: true }).rows;
  const sets = TIERS.map((t) => labelSets(attrs, [...rows, ...hidden], t));
  faces.push({ seed, attrs, base, rows: by, hidden, sets });
  if (i % 250 === 249)
    console.error(`${i + 1}/${N} faces rendered (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
const renderSeconds = (Date.now() - t0) / 1000;

// The probe's answers on the original renders (the same faces and images as evaluate-probe's), decoded two
// ways from the same logits: as FaceProbe.predict does (each head's arg-max, its own "hidden" class
// included), and "rule-decoded": the taxonomy's hiddenWhen rules applied
// to the record of what the heads see: "hidden" where a rule surely holds (every attribute it names seen with a
// matching value), each head's best real value where its own head said hidden but no rule can hold.
let predictions: Record<string, unknown>[] | null = null;
let ruleDecoded: Record<string, unknown>[] | null = null;
if (PROBE !== 'none') {
  await init({ backend: 'wasm', wasm: { threads: 1 } });
  const probe = await FaceProbe.load(PROBE || undefined);
  const layout = probe.layout;
  predictions = [];
  ruleDecoded = [];
  for (let s = 0; s < faces.length; s += 64) {
    const part = faces.slice(s, s + 64).map((f) => ({ rgb: f.base, width: 64, height: 64 }));
    const lg = probe.logits(part);
    const data = await lg.data();
    lg.dispose();
    for (let b = 0; b < part.length; b++) {
      const base = b * layout.width;
      const own = decodeRow(layout, data, base);
      predictions.push(own);
      const decoded: Record<string, unknown> = { ...own };
      for (const h of layout.heads) {
        const rules = attributeSpec(h.name).hiddenWhen ?? [];
        if (!rules.length) continue;
        // a rule surely holds when every attribute it names was seen with one of its values; it may hold when
        // one of them was judged hidden itself (unknown); otherwise it surely does not
        const sure = rules.some((c) =>
          Object.entries(c).every(([k, vs]) => (vs as unknown[]).includes(own[k])),
        );
        const may = rules.some((c) =>
          Object.entries(c).every(([k, vs]) => own[k] === null || (vs as unknown[]).includes(own[k])),
        );
        if (sure) decoded[h.name] = null;
        else if (!may && own[h.name] === null) {
          let best = -1;
          for (let k = 0; k < h.classes.length; k++) {
            if (h.classes[k] === HIDDEN) continue;
            if (best < 0 || data[base + h.offset + k] > data[base + h.offset + best]) best = k;
          }
          decoded[h.name] = h.classes[best];
        }
      }
      ruleDecoded.push(decoded);
    }
  }
  probe.dispose();
}

const pct = (a: number, b: number, d = 2) => (b ? ((100 * a) / b).toFixed(d) : '—');
const condKey = (a: FaceAttributes, n: AttributeName) => `${n}=${String(a[n])}`;

interface Stats {
  visible: number;
  pairs: number;
  /** Per tier: ambiguous (face, alternative) pairs, faces with >= 1 ambiguous alternative, summed credit. */
  pairHits: number[];
  faceHits: number[];
  credit: number[];
  /** Confusable value pairs at the 'identical' and 'faint' tiers. */
  confusions: [Record<string, number>, Record<string, number>];
  /** Probe: right, wrong, wrong-said-hidden, wrong per tier of (truth, answer) distance, answer impossible. */
  probe: {
    right: number;
    wrong: number;
    saidHidden: number;
    byTier: number[];
    notAllowed: number;
    /** "truth~answer" -> errors, and the median changed px between the two renders. */
    confusions: Record<string, number>;
    answerPx: number[];
  };
  /** Per visible face: the closest allowed alternative's changed-pixel count (Infinity: none), probe right. */
  closest: number[];
  perFace: { fi: number; closest: number; right: boolean | null }[];
  /** Condition atoms ("name=value") over visible faces, and over the ambiguous ones per tier. */
  cond: Map<string, number>;
  condHit: Map<string, number>[];
  pairCondHit: Map<string, number>[];
  /** Faces where the taxonomy hides the attribute: count, summed credit and ambiguous faces per tier, the
   * label sets found ("null~false"), the probe (right, wrong, wrong within the set per tier), conditions. */
  hidden: {
    faces: number;
    credit: number[];
    hits: number[];
    sets: Record<string, number>;
    right: number;
    wrong: number;
    wrongInSet: number[];
    cond: Map<string, number>;
    condHit: Map<string, number>[];
    pairCondHit: Map<string, number>[];
  };
}
const stats = new Map<AttributeName, Stats>();
for (const n of ATTRIBUTE_NAMES)
  stats.set(n, {
    visible: 0,
    pairs: 0,
    pairHits: Array(T).fill(0),
    faceHits: Array(T).fill(0),
    credit: Array(T).fill(0),
    confusions: [{}, {}],
    probe: {
      right: 0,
      wrong: 0,
      saidHidden: 0,
      byTier: Array(T).fill(0),
      notAllowed: 0,
      confusions: {},
      answerPx: [],
    },
    closest: [],
    perFace: [],
    cond: new Map(),
    condHit: TIERS.map(() => new Map()),
    pairCondHit: TIERS.map(() => new Map()),
    hidden: {
      faces: 0,
      credit: Array(T).fill(0),
      hits: Array(T).fill(0),
      sets: {},
      right: 0,
      wrong: 0,
      wrongInSet: Array(T).fill(0),
      cond: new Map(),
      condHit: TIERS.map(() => new Map()),
      pairCondHit: TIERS.map(() => new Map()),
    },
  });
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const FAINT = TIERS.findIndex((t) => t.name === 'faint');

faces.forEach((f, fi) => {
  for (const [name, rows] of f.rows) {
    const s = stats.get(name) as Stats;
    s.visible++;
    const others = ATTRIBUTE_NAMES.filter((n) => n !== name);
    const atoms = others.map((n) => condKey(f.attrs, n));
    for (const k of atoms) bump(s.cond, k);
    let closest = Number.POSITIVE_INFINITY;
    for (const r of rows) {
      if (!r.allowed) continue;
      s.pairs++;
      closest = Math.min(closest, r.diff.changed);
      TIERS.forEach((t, ti) => {
        if (t.test(r.diff)) s.pairHits[ti]++;
      });
      const key = `${String(r.value)}~${String(r.alternative)}`;
      if (r.diff.max === 0) s.confusions[0][key] = (s.confusions[0][key] ?? 0) + 1;
      if (TIERS[FAINT].test(r.diff)) s.confusions[1][key] = (s.confusions[1][key] ?? 0) + 1;
    }
    if (closest < Number.POSITIVE_INFINITY) s.closest.push(closest);
    TIERS.forEach((_, ti) => {
      const c = 1 / (f.sets[ti].get(name) as Set<unknown>).size;
      s.credit[ti] += c;
      if (c < 1) {
        s.faceHits[ti]++;
        for (const k of atoms) bump(s.condHit[ti], k);
        // two-atom conditions among the ambiguous faces (counted over all faces below, for the top ones only)
        for (let a = 0; a < atoms.length; a++)
          for (let b = a + 1; b < atoms.length; b++) bump(s.pairCondHit[ti], `${atoms[a]} & ${atoms[b]}`);
      }
    });
    s.perFace.push({ fi, closest, right: predictions ? predictions[fi][name] === f.attrs[name] : null });
    if (predictions) {
      const said = predictions[fi][name];
      if (said === f.attrs[name]) s.probe.right++;
      else {
        s.probe.wrong++;
        const ck = `${String(f.attrs[name])}~${said === null ? 'hidden' : String(said)}`;
        s.probe.confusions[ck] = (s.probe.confusions[ck] ?? 0) + 1;
        if (said === null) s.probe.saidHidden++;
        else {
          const r = rows.find((x) => x.alternative === said);
          if (!r)
            s.probe.notAllowed++; // every alternative of a visible attribute is re-rendered
          else {
            if (!r.allowed) s.probe.notAllowed++;
            s.probe.answerPx.push(r.diff.changed);
          }
        }
        // the answer is one of the labels the picture cannot tell from the truth (hidden included)
        TIERS.forEach((_, ti) => {
          if ((f.sets[ti].get(name) as Set<unknown>).has(said)) s.probe.byTier[ti]++;
        });
      }
    }
  }
  // the faces where the taxonomy hides the attribute: is "hidden" the only label the picture allows?
  const vis = visibleAttributes(f.attrs);
  for (const name of ATTRIBUTE_NAMES) {
    if (vis[name] !== null) continue;
    const h = (stats.get(name) as Stats).hidden;
    h.faces++;
    const atoms = ATTRIBUTE_NAMES.filter((n) => n !== name).map((n) => condKey(f.attrs, n));
    for (const k of atoms) bump(h.cond, k);
    TIERS.forEach((_, ti) => {
      const set = f.sets[ti].get(name) as Set<unknown>;
      h.credit[ti] += 1 / set.size;
      if (set.size > 1) {
        h.hits[ti]++;
        if (ti === 0) {
          const key = [...set].map(String).join('~');
          h.sets[key] = (h.sets[key] ?? 0) + 1;
        }
        for (const k of atoms) bump(h.condHit[ti], k);
        for (let a = 0; a < atoms.length; a++)
          for (let b = a + 1; b < atoms.length; b++) bump(h.pairCondHit[ti], `${atoms[a]} & ${atoms[b]}`);
      }
    });
    if (predictions) {
      const said = predictions[fi][name];
      if (said === null) h.right++;
      else {
        h.wrong++;
        TIERS.forEach((_, ti) => {
          if ((f.sets[ti].get(name) as Set<unknown>).has(said)) h.wrongInSet[ti]++;
        });
      }
    }
  }
});

// The conditions that would make a hiddenWhen rule: atoms (and pairs of atoms) under which most visible faces
// are ambiguous. Rate = ambiguous / visible faces under the condition; coverage = its share of the ambiguous.
interface Rule {
  when: string;
  faces: number;
  ambiguous: number;
  rate: number;
  coverage: number;
}
interface CondCounts {
  cond: Map<string, number>;
  condHit: Map<string, number>[];
  pairCondHit: Map<string, number>[];
}
/** `side` 'visible': faces where the taxonomy shows the attribute; 'hidden': where it hides it. */
function rules(name: AttributeName, side: 'visible' | 'hidden', ti: number, minFaces = 8): Rule[] {
  const st = stats.get(name) as Stats;
  const c: CondCounts = side === 'visible' ? st : st.hidden;
  const total = side === 'visible' ? st.faceHits[ti] : st.hidden.hits[ti];
  if (!total) return [];
  const out: Rule[] = [];
  for (const [k, hit] of c.condHit[ti]) {
    const n = c.cond.get(k) ?? 0;
    if (n >= minFaces) out.push({ when: k, faces: n, ambiguous: hit, rate: hit / n, coverage: hit / total });
  }
  // pair atoms: count their faces only for the promising ones (covering >= 10 % of the ambiguous faces)
  const pairKeys = [...c.pairCondHit[ti]].filter(([, h]) => h >= Math.max(3, 0.1 * total));
  if (pairKeys.length) {
    const pairCount = new Map<string, number>(pairKeys.map(([k]) => [k, 0]));
    for (const f of faces) {
      if ((visibleAttributes(f.attrs)[name] !== null) !== (side === 'visible')) continue;
      for (const k of pairCount.keys()) {
        const [a, b] = k.split(' & ');
        if (atomHolds(f.attrs, a) && atomHolds(f.attrs, b)) pairCount.set(k, (pairCount.get(k) ?? 0) + 1);
      }
    }
    for (const [k, hit] of pairKeys) {
      const n = pairCount.get(k) ?? 0;
      if (n >= minFaces)
        out.push({ when: k, faces: n, ambiguous: hit, rate: hit / n, coverage: hit / total });
    }
  }
  // best first: a high rate (the rule would be right) and a high coverage (it explains the ambiguity)
  return out.sort((a, b) => b.rate * b.coverage - a.rate * a.coverage).slice(0, 6);
}
function atomHolds(a: FaceAttributes, atom: string): boolean {
  const [n, v] = atom.split('=');
  return String(a[n as AttributeName]) === v;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const top = (r: Record<string, number>, k = 3) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([p, c]) => `${p} ${c}`)
    .join(', ');

console.log(
  `${N} held-out faces (test split, base seed ${SEED}), 64 px; ${renderSeconds.toFixed(0)} s to render ` +
    `${faces.reduce((s, f) => s + [...f.rows.values()].reduce((t, r) => t + r.length, 1), 0)} images\n`,
);
const tierHead = TIERS.map((t) => t.name);
console.log(
  `| attribute | visible faces | alt. pairs | ${tierHead.map((t) => `faces ${t} %`).join(' | ')} | ${tierHead
    .map((t) => `ceiling ${t} %`)
    .join(
      ' | ',
    )} | median closest px |${predictions ? ' probe % | errors | said hidden | answer identical | answer faint |' : ''}`,
);
console.log(
  `|---|--:|--:|${TIERS.map(() => '--:|').join('')}${TIERS.map(() => '--:|').join('')}--:|${predictions ? '--:|--:|--:|--:|--:|' : ''}`,
);
const json: Record<string, unknown> = {};
let allVisible = 0;
const allCredit = Array(T).fill(0);
let allRight = 0;
for (const [name, s] of stats) {
  allVisible += s.visible;
  s.credit.forEach((c, i) => {
    allCredit[i] += c;
  });
  allRight += s.probe.right;
  const p = s.probe;
  console.log(
    `| ${name} | ${s.visible} | ${s.pairs} | ${s.faceHits.map((h) => pct(h, s.visible)).join(' | ')} | ${s.credit
      .map((c) => pct(c, s.visible))
      .join(' | ')} | ${median(s.closest)} |${
      predictions
        ? ` ${pct(p.right, s.visible)} | ${p.wrong} | ${p.saidHidden} | ${p.byTier[0]} | ${p.byTier[FAINT]} |`
        : ''
    }`,
  );
  json[name] = {
    visible: s.visible,
    pairs: s.pairs,
    tiers: Object.fromEntries(
      TIERS.map((t, i) => [
        t.name,
        {
          pairs: s.pairHits[i],
          faces: s.faceHits[i],
          ceiling: s.visible ? s.credit[i] / s.visible : null,
          rules: rules(name, 'visible', i),
        },
      ]),
    ),
    confusionsIdentical: s.confusions[0],
    confusionsFaint: s.confusions[1],
    medianClosestChanged: median(s.closest),
    probe: predictions ? { ...p, accuracy: s.visible ? p.right / s.visible : null } : null,
  };
}
console.log(
  `| **overall** | ${allVisible} | | ${TIERS.map(() => '').join(' | ')} | ${allCredit
    .map((c) => pct(c, allVisible))
    .join(' | ')} | |${predictions ? ` ${pct(allRight, allVisible)} | | | | |` : ''}`,
);

// All faces, "hidden" counted as a label (the probe's overall figure): the faces where the taxonomy hides an
// attribute are ambiguous when a change the picture does not show would make it visible (or vice versa).
console.log(
  '\nAll faces, hidden as a label: hidden faces whose label the picture cannot pin down, and the ceiling over all faces:',
);
console.log(
  `| attribute | hidden faces | ${tierHead.map((t) => `hidden ambiguous ${t} %`).join(' | ')} | ${tierHead
    .map((t) => `ceiling all faces ${t} %`)
    .join(
      ' | ',
    )} |${predictions ? ' probe all faces % | probe wrong on hidden | of them in the set (identical) |' : ''} label sets (identical) | where (identical) |`,
);
console.log(
  `|---|--:|${TIERS.map(() => '--:|').join('')}${TIERS.map(() => '--:|').join('')}${predictions ? '--:|--:|--:|' : ''}---|---|`,
);
const allFacesCredit = Array(T).fill(0);
let allFacesRight = 0;
for (const [name, s] of stats) {
  const h = s.hidden;
  const n = s.visible + h.faces;
  const credit = TIERS.map((_, i) => s.credit[i] + h.credit[i]);
  credit.forEach((c, i) => {
    allFacesCredit[i] += c;
  });
  allFacesRight += s.probe.right + h.right;
  const where = rules(name, 'hidden', 0)
    .slice(0, 2)
    .map((r) => `${r.when} (${r.ambiguous}/${r.faces})`)
    .join('; ');
  if (h.faces)
    console.log(
      `| ${name} | ${h.faces} | ${h.hits.map((x) => pct(x, h.faces)).join(' | ')} | ${credit
        .map((c) => pct(c, n))
        .join(
          ' | ',
        )} |${predictions ? ` ${pct(s.probe.right + h.right, n)} | ${h.wrong} | ${h.wrongInSet[0]} |` : ''} ${top(h.sets)} | ${where} |`,
    );
  (json[name] as Record<string, unknown>).hidden = {
    faces: h.faces,
    ambiguous: Object.fromEntries(TIERS.map((t, i) => [t.name, h.hits[i]])),
    ceilingAllFaces: Object.fromEntries(TIERS.map((t, i) => [t.name, credit[i] / n])),
    sets: h.sets,
    rules: rules(name, 'hidden', 0),
    probe: predictions ? { right: h.right, wrong: h.wrong, wrongInSet: h.wrongInSet } : null,
  };
}
const pairsAll = faces.length * ATTRIBUTE_NAMES.length;
console.log(
  `| **overall** | | ${TIERS.map(() => '').join(' | ')} | ${allFacesCredit.map((c) => pct(c, pairsAll)).join(' | ')} |${
    predictions ? ` ${pct(allFacesRight, pairsAll)} | | |` : ''
  } | |`,
);

console.log(
  '\nWhere the ambiguous faces concentrate (rate: ambiguous/visible faces under the condition; cover: share of the ambiguous):',
);
for (const [name, s] of stats) {
  for (const ti of [0, FAINT]) {
    if (!s.faceHits[ti]) continue;
    const rs = rules(name, 'visible', ti)
      .slice(0, 3)
      .map(
        (r) =>
          `${r.when} (${r.ambiguous}/${r.faces}, rate ${pct(r.ambiguous, r.faces, 0)} %, cover ${pct(r.ambiguous, s.faceHits[ti], 0)} %)`,
      )
      .join('; ');
    const conf = top(s.confusions[ti === 0 ? 0 : 1]);
    console.log(`- ${name} [${TIERS[ti].name}: ${s.faceHits[ti]} faces] pairs: ${conf}; when: ${rs || '—'}`);
  }
}
// Signal strength: the probe's accuracy by how many pixels the face's closest alternative changes (> 8 levels).
const BINS: [number, number][] = [
  [0, 0],
  [1, 4],
  [5, 9],
  [10, 19],
  [20, 39],
  [40, Number.POSITIVE_INFINITY],
];
const binName = ([a, b]: [number, number]) =>
  a === b ? `${a}` : b === Number.POSITIVE_INFINITY ? `${a}+` : `${a}-${b}`;
const strength: Record<string, unknown> = {};
if (predictions) {
  console.log(
    '\nProbe accuracy % (faces) by the pixels the closest alternative value changes by > 8 levels (same seed):',
  );
  console.log(`| attribute | ${BINS.map(binName).join(' | ')} | median px, right | median px, wrong |`);
  console.log(`|---|${BINS.map(() => '--:|').join('')}--:|--:|`);
  for (const [name, s] of stats) {
    if (s.probe.wrong === 0) continue;
    const cells = BINS.map(([a, b]) => {
      const fs = s.perFace.filter((p) => p.closest >= a && p.closest <= b);
      const ok = fs.filter((p) => p.right).length;
      return { n: fs.length, ok };
    });
    const r = s.perFace.filter((p) => p.right && Number.isFinite(p.closest)).map((p) => p.closest);
    const w = s.perFace.filter((p) => !p.right && Number.isFinite(p.closest)).map((p) => p.closest);
    console.log(
      `| ${name} | ${cells.map((c) => (c.n ? `${pct(c.ok, c.n, 1)} (${c.n})` : '')).join(' | ')} | ${median(r)} | ${median(w)} |`,
    );
    strength[name] = { bins: BINS.map(binName), cells, medianRight: median(r), medianWrong: median(w) };
  }
}

// Where the probe errs: per attribute the condition atoms with the lowest probe accuracy (>= 40 faces), with
// the ambiguity there — if the attribute were hidden under them, ambiguity would be high too.
const worst: Record<string, unknown> = {};
if (predictions) {
  console.log(
    "\nThe probe's weakest conditions per attribute (>= 40 visible faces), with their faint share and median closest px:",
  );
  for (const [name, s] of stats) {
    if (s.probe.wrong < 5) continue;
    const byAtom = new Map<string, { n: number; ok: number; faint: number; px: number[] }>();
    for (const p of s.perFace) {
      const f = faces[p.fi];
      const faint = faceCredit(f.rows.get(name) ?? [], TIERS[FAINT]) < 1;
      for (const n of ATTRIBUTE_NAMES) {
        if (n === name) continue;
        const k = condKey(f.attrs, n);
        const e = byAtom.get(k) ?? { n: 0, ok: 0, faint: 0, px: [] };
        e.n++;
        if (p.right) e.ok++;
        if (faint) e.faint++;
        e.px.push(p.closest);
        byAtom.set(k, e);
      }
    }
    const list = [...byAtom]
      .filter(([, e]) => e.n >= 40)
      .sort((a, b) => a[1].ok / a[1].n - b[1].ok / b[1].n)
      .slice(0, 4);
    worst[name] = list.map(([k, e]) => ({
      when: k,
      faces: e.n,
      accuracy: e.ok / e.n,
      faint: e.faint / e.n,
      medianPx: median(e.px),
    }));
    console.log(
      `- ${name} (${pct(s.probe.right, s.visible, 1)} %; errors truth~answer: ${top(s.probe.confusions, 4)}; ` +
        `median px between truth and answer ${median(s.probe.answerPx)}): ${list
          .map(
            ([k, e]) =>
              `${k} ${pct(e.ok, e.n, 1)} % of ${e.n} (faint ${pct(e.faint, e.n, 0)} %, ${median(e.px)} px)`,
          )
          .join('; ')}`,
    );
  }
}

// The probe's errors that are about "hidden" rather than the value: rule-decoding (see above) vs its own head.
const decoding: Record<string, unknown> = {};
if (predictions && ruleDecoded) {
  console.log(
    "\nThe same logits decoded with the taxonomy rules (hidden follows from the other heads) vs each head's own hidden class (% right):",
  );
  console.log(
    '| attribute | visible: own | visible: rule-decoded | all faces: own | all faces: rule-decoded |',
  );
  console.log('|---|--:|--:|--:|--:|');
  let own = 0;
  let rule = 0;
  let ownVis = 0;
  let ruleVis = 0;
  let vis = 0;
  for (const name of ATTRIBUTE_NAMES) {
    let o = 0;
    let r = 0;
    let ov = 0;
    let rv = 0;
    let v = 0;
    faces.forEach((f, fi) => {
      const want = visibleAttributes(f.attrs)[name];
      const po = (predictions as Record<string, unknown>[])[fi][name] === want;
      const pr = (ruleDecoded as Record<string, unknown>[])[fi][name] === want;
      if (po) o++;
      if (pr) r++;
      if (want !== null) {
        v++;
        if (po) ov++;
        if (pr) rv++;
      }
    });
    own += o;
    rule += r;
    ownVis += ov;
    ruleVis += rv;
    vis += v;
    decoding[name] = { visible: v, ownVisible: ov, ruleVisible: rv, own: o, rule: r, faces: faces.length };
    if (o !== r || ov !== rv)
      console.log(
        `| ${name} | ${pct(ov, v)} | ${pct(rv, v)} | ${pct(o, faces.length)} | ${pct(r, faces.length)} |`,
      );
  }
  const all = faces.length * ATTRIBUTE_NAMES.length;
  console.log(
    `| **overall** | ${pct(ownVis, vis)} | ${pct(ruleVis, vis)} | ${pct(own, all)} | ${pct(rule, all)} |`,
  );
  decoding.overall = { visible: vis, ownVisible: ownVis, ruleVisible: ruleVis, own, rule, pairs: all };
}

// The situations one would suspect of hiding a label (the issue's list), measured directly.
const SCENARIOS: [AttributeName, string][] = [
  ['earrings', 'hairLength=long'],
  ['earrings', 'hairLength=medium'],
  ['earrings', 'hat=beanie'],
  ['eyebrows', 'bangs=straight'],
  ['eyebrows', 'bangs=side'],
  ['eyebrows', 'hat=beanie'],
  ['eyebrows', 'hat=cap'],
  ['eyebrows', 'glasses=sunglasses'],
  ['mustache', 'facialHair=full-beard'],
  ['mustache', 'facialHair=goatee'],
  ['mustache', 'expression=laughing'],
  ['lipFullness', 'expression=laughing'],
  ['lipFullness', 'expression=surprised'],
  ['lipFullness', 'lipstick=none'],
  ['sideburns', 'hairLength=buzz'],
  ['sideburns', 'hairLength=short'],
  ['sideburns', 'hat=beanie'],
  ['sideburns', 'hat=cap'],
  ['bangs', 'hairLength=short'],
  ['bangs', 'glasses=sunglasses'],
  ['glasses', 'hat=beanie'],
  ['noseSize', 'headYaw=frontal'],
  ['age', 'skinTexture=wrinkles'],
  ['age', 'glasses=sunglasses'],
];
const scenarios: unknown[] = [];
console.log('\nSuspected hiding conditions, measured (visible faces under the condition):');
console.log(
  '| attribute | when | faces | identical % | faint % | median closest px | min closest px | probe % |',
);
console.log('|---|---|--:|--:|--:|--:|--:|--:|');
for (const [name, when] of SCENARIOS) {
  const s = stats.get(name) as Stats;
  const fs = s.perFace.filter((p) => atomHolds(faces[p.fi].attrs, when));
  const rowsOf = (fi: number) => faces[fi].rows.get(name) ?? [];
  const ident = fs.filter((p) => faceCredit(rowsOf(p.fi), TIERS[0]) < 1).length;
  const faint = fs.filter((p) => faceCredit(rowsOf(p.fi), TIERS[FAINT]) < 1).length;
  const px = fs.map((p) => p.closest);
  const finite = px.filter(Number.isFinite);
  const ok = fs.filter((p) => p.right).length;
  const certain = fs.length - finite.length;
  console.log(
    `| ${name} | ${when} | ${fs.length} | ${pct(ident, fs.length, 1)} | ${pct(faint, fs.length, 1)} | ${
      finite.length ? median(finite) : `— (${certain} certain)`
    } | ${finite.length ? Math.min(...finite) : '—'} | ${predictions ? pct(ok, fs.length, 1) : ''} |`,
  );
  scenarios.push({
    attribute: name,
    when,
    faces: fs.length,
    identical: ident,
    faint,
    medianPx: median(finite),
    certain,
    probeRight: ok,
  });
}

// Two invisible changes at once: labelSets looks at single-attribute changes. Combine every pair of changes
// that are each pixel-identical on a face (different attributes), keep the drawable ones that still render
// the identical picture, and count the labels they add beyond the single changes' sets.
let pairTried = 0;
let pairSame = 0;
const pairAdds: Record<string, number> = {};
for (const f of faces) {
  const invisible = [...[...f.rows.values()].flat(), ...f.hidden].filter(
    (r) => r.allowed && r.diff.max === 0,
  );
  for (let a = 0; a < invisible.length; a++)
    for (let b = a + 1; b < invisible.length; b++) {
      const ra = invisible[a];
      const rb = invisible[b];
      if (ra.name === rb.name) continue;
      const both = { ...f.attrs, [ra.name]: ra.alternative, [rb.name]: rb.alternative } as FaceAttributes;
      if (!samplerAllows(both)) continue;
      pairTried++;
      if (renderDiff(f.base, renderFace(both, { size: 64, seed: f.seed }).rgb).max !== 0) continue;
      pairSame++;
      const labels = visibleAttributes(both);
      for (const n of ATTRIBUTE_NAMES)
        if (!(f.sets[0].get(n) as Set<unknown>).has(labels[n])) {
          const k = `${n}: ${String(visibleAttributes(f.attrs)[n])}~${String(labels[n])} (${ra.name}+${rb.name})`;
          pairAdds[k] = (pairAdds[k] ?? 0) + 1;
        }
    }
}
console.log(
  `\nPairs of invisible changes: ${pairTried} drawable pairs tried, ${pairSame} still pixel-identical, ` +
    `labels they add beyond single changes: ${Object.keys(pairAdds).length ? top(pairAdds, 6) : 'none'}`,
);

// The converse: where the taxonomy hides an attribute, does the image really not show it?
const hiddenCheck: Record<string, unknown> = {};
console.log(
  '\nAttributes the taxonomy hides: share of those faces where every other (drawable) value renders identically / within max<=8:',
);
console.log('| attribute | hidden faces | identical % | max<=8 % | shown anyway: condition (faces) |');
console.log('|---|--:|--:|--:|---|');
for (const name of ATTRIBUTE_NAMES) {
  let n = 0;
  let same = 0;
  let near = 0;
  const shown: Record<string, number> = {};
  for (const f of faces) {
    const rows = f.hidden.filter((r) => r.name === name && r.allowed);
    if (!f.hidden.some((r) => r.name === name)) continue;
    n++;
    if (rows.every((r) => r.diff.max === 0)) same++;
    else {
      const rule = ['hairLength', 'hat', 'bangs', 'faceMask', 'glasses', 'expression']
        .filter((k) => k !== name)
        .map((k) => `${k}=${String(f.attrs[k as AttributeName])}`)
        .join(',');
      shown[rule] = (shown[rule] ?? 0) + 1;
    }
    if (rows.every((r) => r.diff.max <= 8)) near++;
  }
  if (!n) continue;
  hiddenCheck[name] = { hidden: n, identical: same, near, shown };
  console.log(`| ${name} | ${n} | ${pct(same, n, 1)} | ${pct(near, n, 1)} | ${top(shown, 2)} |`);
}

if (jsonOut) {
  writeFileSync(
    jsonOut,
    `${JSON.stringify({ N, SEED, probe: PROBE || 'shipped', tiers: TIERS.map((t) => t.name), attributes: json, overall: { visible: allVisible, ceiling: allCredit.map((c) => c / allVisible), probe: predictions ? allRight / allVisible : null, pairs: pairsAll, ceilingAllFaces: allFacesCredit.map((c) => c / pairsAll), probeAllFaces: predictions ? allFacesRight / pairsAll : null }, strength, worst, decoding, scenarios, hiddenCheck, invisiblePairs: { tried: pairTried, identical: pairSame, adds: pairAdds } }, null, 1)}\n`,
  );
}
console.error(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
