// Config round trip (configs as in nn: toConfig/fromConfig): toConfig() writes nn's ModuleConfig JSON { _class, _version, ...options };
// fromConfig() (and nn's moduleFromConfig, where the layers are registered) rejects unknown keys with the
// list of valid ones. Function-valued expert options (feature
// extractors) cannot be serialised: they are left out, and fromConfig takes them back through `extra`.

/** JSON-safe copy of expertOptions: function values are dropped (pass them again when loading). */
export function serialisableOptions(
  o: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> | undefined {
  if (!o) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, opts] of Object.entries(o)) {
    out[name] = Object.fromEntries(Object.entries(opts).filter(([, v]) => typeof v !== 'function'));
  }
  return out;
}

/** Validate a config object for `cls` and return its options (without _class / _version). */
export function readConfig(
  cls: string,
  version: number,
  config: Record<string, unknown>,
  valid: readonly string[],
): Record<string, unknown> {
  if (config?._class !== cls) {
    throw new TypeError(`${cls}.fromConfig: _class is ${JSON.stringify(config?._class)}, expected '${cls}'`);
  }
  if (config._version !== version) {
    throw new RangeError(`${cls}.fromConfig: _version ${JSON.stringify(config._version)} is not ${version}`);
  }
  const { _class, _version, ...rest } = config;
  const unknown = Object.keys(rest).filter((k) => !valid.includes(k));
  if (unknown.length) {
    throw new RangeError(
      `${cls}.fromConfig: unknown keys ${unknown.join(', ')}; valid keys: ${valid.join(', ')}`,
    );
  }
  return rest;
}

/** expertOptions from a config plus the caller's (functions), merged per expert name. */
export function mergeOptions(
  a: Record<string, Record<string, unknown>> | undefined,
  b: Record<string, Record<string, unknown>> | undefined,
): Record<string, Record<string, unknown>> | undefined {
  if (!a && !b) return undefined;
  const out: Record<string, Record<string, unknown>> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = { ...out[k], ...v };
  return out;
}
