import { parseArgs } from 'node:util';
import { FORMATS, type FormatName, isFormat } from './format/index.js';

export const FAIL_ON = ['error', 'warning', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface AuditArgs {
  command: 'audit';
  dir?: string;
  project?: string;
  config?: string;
  format: FormatName;
  output?: string;
  failOn: FailOn;
  /** Bare rule names (`lockwise/` prefix removed), in the order given. */
  rules: string[];
  quiet: boolean;
  noColor: boolean;
}

export type ParsedArgs =
  | AuditArgs
  | { command: 'rules'; noColor: boolean }
  | { command: 'help' }
  | { command: 'version' };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  project: { type: 'string', short: 'p' },
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  'fail-on': { type: 'string' },
  rule: { type: 'string', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const AUDIT_ONLY = ['project', 'config', 'format', 'output', 'fail-on', 'rule', 'quiet'] as const;

export const USAGE = `Usage: lockwise <command> [options]

Commands:
  audit [dir]            Analyse the TypeScript project in dir (default: the current directory)
  rules                  List the rules with their default severity and description

Options for audit:
  -p, --project <file>   tsconfig to load (default: <dir>/tsconfig.json)
  -c, --config <file>    lockwise configuration (default: <dir>/lockwise.config.json,
                         else the "lockwise" key of <dir>/package.json)
  -f, --format <name>    text (default), json or sarif
  -o, --output <file>    write the report to this file (atomically) instead of stdout
      --fail-on <level>  error (default), warning or never: the lowest severity that fails
      --rule <name>      run only this rule; repeat for several
  -q, --quiet            report errors only, no progress
      --no-color         no colors (also when NO_COLOR is set)

  -h, --help             show this help
  -v, --version          print the version

Exit codes: 0 no findings at or above --fail-on, 1 findings at or above --fail-on,
            2 usage, configuration or internal error.
`;

/** Parses argv (without `node` and the script). Throws `UsageError` for anything it does not know. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(firstSentence((error as Error).message));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('No command given.');
  if (command === 'help') return { command: 'help' };
  if (command === 'rules') {
    const given = AUDIT_ONLY.filter((k) => values[k] !== undefined);
    if (given.length > 0) throw new UsageError(`Option --${given[0]} does not apply to 'lockwise rules'.`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument '${rest[0]}' after 'rules'.`);
    return { command: 'rules', noColor: values['no-color'] === true };
  }
  if (command !== 'audit') throw new UsageError(`Unknown command '${command}'.`);
  if (rest.length > 1) throw new UsageError(`'lockwise audit' takes one directory; got ${rest.map((r) => `'${r}'`).join(', ')}.`);
  const format = values.format ?? 'text';
  if (!isFormat(format)) throw new UsageError(`Unknown format '${format}': use ${FORMATS.join(', ')}.`);
  const failOn = values['fail-on'] ?? 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on takes ${FAIL_ON.join(', ')}; got '${failOn}'.`);
  }
  for (const [name, value] of [['project', values.project], ['config', values.config], ['output', values.output]] as const) {
    if (value === '') throw new UsageError(`--${name} needs a path.`);
  }
  return {
    command: 'audit',
    ...(rest[0] !== undefined ? { dir: rest[0] } : {}),
    ...(values.project !== undefined ? { project: values.project } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    format,
    ...(values.output !== undefined ? { output: values.output } : {}),
    failOn: failOn as FailOn,
    rules: (values.rule ?? []).map((r) => r.replace(/^lockwise\//, '')),
    quiet: values.quiet === true,
    noColor: values['no-color'] === true,
  };
}

function firstSentence(message: string): string {
  const cut = message.indexOf('. ');
  return cut === -1 ? message : message.slice(0, cut + 1);
}
