// One short line for node:util parseArgs' errors (its own messages run to three sentences).
export function argError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const option = /'(--?[\w-]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${option}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option ? `option '${option}' needs a value` : err.message.split('\n')[0];
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[0] ?? ''}`.trim();
    default:
      return err.message.split('\n')[0];
  }
}
