// The short README.md of a probe model folder: how it was made and how well it judges held-out faces.
import type { ProbeAccuracy } from '../probe/accuracy.js';
import type { FaceProbeConfig } from '../probe/config.js';
import { accuracyTable, pct } from './markdown.js';

export function modelCard(config: FaceProbeConfig, accuracy: ProbeAccuracy, extra = ''): string {
  const t = (config.training ?? {}) as Record<string, unknown>;
  const excluded = config.unreliable.length
    ? config.unreliable.map((u) => `\`${u.name}\` (${pct(u.accuracy, 1)} %)`).join(', ')
    : 'none';
  return `# FaceProbe weights

A face-attribute judge for @unif2ace/eval, trained only on faces from @unif2ace/data's renderer (train-split
seeds), judged on test-split faces it never saw. Taxonomy ${config.taxonomy}; architecture in \`config.json\`;
weights in \`model.safetensors\` (F16).

- Command: \`${String(t.command ?? 'unknown')}\`
- Training: ${String(t.steps ?? '?')} steps of ${String(t.batch ?? '?')} augmented faces from a pool of ${String(t.trainFaces ?? '?')} rendered faces (seed ${String(t.seed ?? '?')})${t.init ? `, starting from the weights in \`${String(t.init)}\`` : ''}.
- Held-out: ${String(t.heldOutFaces ?? accuracy.attributes[0]?.count ?? '?')} test-split faces; overall ${pct(accuracy.overall)} % (visible attributes: ${pct(accuracy.overallVisible)} %).
- Excluded from generation metrics (held-out accuracy under ${pct(Number(t.reliableAt ?? 0.98), 0)} %): ${excluded}.

${accuracyTable(accuracy, config.unreliable)}
${extra ? `\n${extra}\n` : ''}`;
}
