// Expert registry: name -> factory, one explicit Map per level (docs/architecture.md, adding an expert), like transformers.js's
// models/registry.js. Configs name experts by string; the built-ins register here like any plug-in, so
// every lookup error lists exactly what can be named.
import type { InitRng, Module } from '@unif2ace/nn';
import type { Tensor } from '@unif2ace/tensor';

export type ExpertLevel = 'token' | 'sequence';
const LEVELS: readonly ExpertLevel[] = ['token', 'sequence'];

/** What a factory gets: sizes, where the expert sits, and the layer's init RNG. */
export interface ExpertContext {
  dim: number;
  /** The token layer's hidden size (sequence experts may ignore it). */
  hidden: number;
  /** Group name (e.g. 'generation') and the expert's slot among the group's routed experts. */
  group: string;
  index: number;
  rng?: InitRng;
  /** Extra options from the layer's config (`expertOptions[name]`). */
  options: Record<string, unknown>;
}

/** A token-level expert: [n, dim] -> [n, dim], row by row (it must not mix tokens). */
export interface TokenExpert extends Module {
  forward(x: Tensor): Tensor;
}

/** What a sequence-level expert reads besides the sequence. */
export interface SequenceInput {
  /** Per-sequence conditioning the layer was given (e.g. images for feature experts), or undefined. */
  context?: unknown;
  training: boolean;
  /**
   * i32 [n]: which of the batch's sequences this call sees (x holds those n), so batch-first context
   * (features) can be picked with indexSelect; absent when x is the whole batch.
   */
  rows?: Tensor;
}

/** A sequence-level expert: [B, L, dim] -> [B, L, dim] for the sequences routed to it. */
export interface SequenceExpert extends Module {
  forward(x: Tensor, input: SequenceInput): Tensor;
}

export type TokenExpertFactory = (ctx: ExpertContext) => TokenExpert;
export type SequenceExpertFactory = (ctx: ExpertContext) => SequenceExpert;

const registries = {
  token: new Map<string, TokenExpertFactory>(),
  sequence: new Map<string, SequenceExpertFactory>(),
};

function checkLevel(level: unknown, where: string): asserts level is ExpertLevel {
  if (!LEVELS.includes(level as ExpertLevel)) {
    throw new RangeError(`${where}: level must be 'token' or 'sequence', got ${JSON.stringify(level)}`);
  }
}

/**
 * Register a custom expert under `name`. Token experts map [n, dim] rows to [n, dim]; sequence experts
 * map [B, L, dim] to [B, L, dim]. Names are unique per level; `replace: true` overrides an existing one.
 */
export function registerExpert(
  name: string,
  factory: TokenExpertFactory | SequenceExpertFactory,
  opts: { level: ExpertLevel; replace?: boolean },
): void {
  checkLevel(opts?.level, `registerExpert('${name}')`);
  if (typeof name !== 'string' || !/^[A-Za-z][\w-]*$/.test(name)) {
    throw new TypeError(
      `registerExpert: name must start with a letter and use letters, digits, '_' or '-' (it becomes part of state-dict keys), got ${JSON.stringify(name)}`,
    );
  }
  if (typeof factory !== 'function')
    throw new TypeError(`registerExpert('${name}'): factory must be a function`);
  const reg = registries[opts.level] as Map<string, unknown>;
  if (reg.has(name) && !opts.replace) {
    throw new Error(
      `registerExpert: a ${opts.level}-level expert '${name}' is already registered (pass { replace: true } to override); registered: ${registeredExperts(opts.level).join(', ')}`,
    );
  }
  reg.set(name, factory);
}

/** Names registered at `level`, sorted. */
export function registeredExperts(level: ExpertLevel): string[] {
  checkLevel(level, 'registeredExperts');
  return [...registries[level].keys()].sort();
}

/** The factory for `name`, or an error listing the registered names. */
export function expertFactory(name: string, level: 'token'): TokenExpertFactory;
export function expertFactory(name: string, level: 'sequence'): SequenceExpertFactory;
export function expertFactory(name: string, level: ExpertLevel): TokenExpertFactory | SequenceExpertFactory {
  checkLevel(level, 'expertFactory');
  const f = registries[level].get(name);
  if (!f) {
    const other = level === 'token' ? 'sequence' : 'token';
    const hint = registries[other].has(name) ? ` ('${name}' is a ${other}-level expert)` : '';
    throw new Error(
      `unknown ${level}-level expert '${name}'${hint}; registered ${level}-level experts: ${registeredExperts(level).join(', ')}`,
    );
  }
  return f;
}
