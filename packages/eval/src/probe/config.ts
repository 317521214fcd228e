// FaceProbe's config.json: versioned, enough to rebuild the network and read its heads, validated with
// errors that name the offending key (unknown keys are rejected with the list of valid ones).
import { TAXONOMY_VERSION } from '@unif2ace/data';
import { headLayout } from './heads.js';
import type { ProbeNetConfig } from './model.js';
import { CROSS_VIEWS, validateViews } from './views.js';

export const PROBE_CONFIG_VERSION = 1;

/** An attribute the probe does not judge reliably (held-out accuracy below the bar), excluded by name. */
export interface UnreliableAttribute {
  name: string;
  /** Held-out accuracy on faces where the attribute is visible. */
  accuracy: number;
}

export interface FaceProbeConfig {
  _class: 'FaceProbe';
  _version: number;
  taxonomy: string;
  net: Omit<ProbeNetConfig, 'outputs'>;
  /** Per head, in logits-column order: the attribute and its classes ("hidden" last where it can be hidden). */
  heads: { name: string; classes: (string | boolean)[] }[];
  /** Attributes to leave out of generation metrics, with their held-out accuracy (filled in after training). */
  unreliable: UnreliableAttribute[];
  /** How the weights were made (command, steps, held-out accuracy), for the record. */
  training?: Record<string, unknown>;
  /**
   * Test-time views: `predict` averages the heads' softmax over these [dx, dy] pixel shifts of each image
   * (absent: the image alone, as the first probes did). Not part of the architecture hash.
   */
  views?: [number, number][];
}

export const DEFAULT_NET: Omit<ProbeNetConfig, 'outputs'> = {
  size: 64,
  channels: [24, 48, 96, 128],
  stemStride: 2,
  depth: 1,
  features: 256,
  groups: 8,
};

const NET_KEYS = ['size', 'channels', 'stemStride', 'depth', 'features', 'groups'];
/** Keys a config may leave out (added after the first shipped probe; absent = that probe's behaviour). */
const OPTIONAL_NET_KEYS = ['residual', 'shortcuts'];
const TOP_KEYS = ['_class', '_version', 'taxonomy', 'net', 'heads', 'unreliable', 'training', 'views'];

export function defaultProbeConfig(net: Partial<Omit<ProbeNetConfig, 'outputs'>> = {}): FaceProbeConfig {
  const layout = headLayout();
  return {
    _class: 'FaceProbe',
    _version: PROBE_CONFIG_VERSION,
    taxonomy: layout.taxonomy,
    net: { ...DEFAULT_NET, ...net },
    heads: layout.heads.map((h) => ({ name: h.name, classes: [...h.classes] })),
    unreliable: [],
    views: CROSS_VIEWS.map(([dx, dy]) => [dx, dy]),
  };
}

/** Validate a parsed config.json (where = file name for the messages). */
export function validateProbeConfig(raw: unknown, where = 'config.json'): FaceProbeConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: not a JSON object`);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c))
    if (!TOP_KEYS.includes(k))
      throw new Error(`${where}: unknown key "${k}" (valid: ${TOP_KEYS.join(', ')})`);
  if (c._class !== 'FaceProbe')
    throw new Error(`${where}: _class is ${JSON.stringify(c._class)}, expected "FaceProbe"`);
  if (c._version !== PROBE_CONFIG_VERSION)
    throw new Error(
      `${where}: _version ${JSON.stringify(c._version)} is not supported (this build reads ${PROBE_CONFIG_VERSION})`,
    );
  if (c.taxonomy !== TAXONOMY_VERSION)
    throw new Error(
      `${where}: taxonomy ${JSON.stringify(c.taxonomy)} does not match @unif2ace/data's ${TAXONOMY_VERSION}`,
    );
  const net = c.net as Record<string, unknown>;
  if (!net || typeof net !== 'object') throw new Error(`${where}: net must be an object`);
  for (const k of Object.keys(net))
    if (!NET_KEYS.includes(k) && !OPTIONAL_NET_KEYS.includes(k))
      throw new Error(
        `${where}: unknown key "net.${k}" (valid: ${[...NET_KEYS, ...OPTIONAL_NET_KEYS].join(', ')})`,
      );
  for (const k of OPTIONAL_NET_KEYS)
    if (net[k] !== undefined && typeof net[k] !== 'boolean')
      throw new Error(`${where}: net.${k} must be true or false`);
  for (const k of NET_KEYS) if (net[k] === undefined) throw new Error(`${where}: net.${k} is missing`);
  if (!Array.isArray(net.channels) || !net.channels.every((x) => Number.isInteger(x) && x > 0))
    throw new Error(`${where}: net.channels must be an array of positive integers`);
  const layout = headLayout();
  const heads = c.heads as FaceProbeConfig['heads'];
  if (!Array.isArray(heads) || heads.length !== layout.heads.length)
    throw new Error(`${where}: heads must list the taxonomy's ${layout.heads.length} attributes`);
  layout.heads.forEach((h, i) => {
    if (heads[i]?.name !== h.name || JSON.stringify(heads[i].classes) !== JSON.stringify(h.classes))
      throw new Error(
        `${where}: heads[${i}] is ${JSON.stringify(heads[i])}, the taxonomy says ${JSON.stringify({ name: h.name, classes: h.classes })}`,
      );
  });
  if (!Array.isArray(c.unreliable)) throw new Error(`${where}: unreliable must be an array`);
  for (const u of c.unreliable as UnreliableAttribute[])
    if (!layout.heads.some((h) => h.name === u?.name) || typeof u.accuracy !== 'number')
      throw new Error(
        `${where}: unreliable entry ${JSON.stringify(u)} needs a taxonomy attribute name and an accuracy`,
      );
  if (c.views !== undefined) validateViews(c.views, where);
  return c as unknown as FaceProbeConfig;
}

/** FNV-1a (32-bit, hex) of a string: the config hash stored in the weights' metadata. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The part of the config the weights depend on (architecture + heads), hashed into the weights' metadata. */
export function architectureHash(c: FaceProbeConfig): string {
  return fnv1a(JSON.stringify({ net: c.net, heads: c.heads, taxonomy: c.taxonomy }));
}
