import { type ParsedArgs, parseCliArgs, USAGE, UsageError } from './args.js';
import { describeError, EXIT_ERROR } from './exit.js';
import { type CliIo, write } from './io.js';
import { VERSION } from './version.js';

export type { CliIo } from './io.js';

/**
 * The `lockwise` command. Returns the exit code (never calls process.exit): 0 clean, 1
 * findings at or above --fail-on, 2 usage, configuration or internal error.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await write(io.stderr, `lockwise: ${error.message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  try {
    switch (args.command) {
      case 'help':
        await write(io.stdout, USAGE);
        return 0;
      case 'version':
        await write(io.stdout, `${VERSION}\n`);
        return 0;
      // The analyzer (TypeScript, ts-morph) is loaded only by the commands that need it.
      case 'rules':
        return await (await import('./rules-command.js')).listRules(io, args.noColor);
      case 'audit':
        (await import('./one-typescript.js')).shareOneTypeScript();
        return await (await import('./audit.js')).audit(args, io);
    }
  } catch (error) {
    await write(
      io.stderr,
      `lockwise: internal error: ${describeError(error)}\n${error instanceof Error && error.stack ? `${error.stack}\n` : ''}`,
    );
    return EXIT_ERROR;
  }
}
