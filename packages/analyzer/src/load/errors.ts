/**
 * Why a project or a configuration could not be loaded. Every message names the file or
 * directory involved and, where there is one, the fix; the CLI prints it as is and exits 2.
 */
export type LoadErrorCode =
  /** No tsconfig.json in the audited directory, or the `--project` path does not exist. */
  | 'no-tsconfig'
  /** A tsconfig (or a file it extends) is not valid JSON, or its `extends` target is missing. */
  | 'bad-tsconfig'
  /** The tsconfig (and its references) select no source file. */
  | 'no-inputs'
  /** The audited directory does not exist or is not a directory. */
  | 'bad-directory'
  /** `--config <file>` names a file that does not exist. */
  | 'no-config'
  /** lockwise.config.json / package.json#lockwise is not valid JSON or not of the documented shape. */
  | 'bad-config'
  /** A workspace manifest (package.json `workspaces`, pnpm-workspace.yaml) is malformed. */
  | 'bad-workspace';

export class LoadError extends Error {
  readonly code: LoadErrorCode;
  /** The file or directory the error is about (absolute path). */
  readonly path: string;

  constructor(code: LoadErrorCode, path: string, message: string) {
    super(message);
    this.name = 'LoadError';
    this.code = code;
    this.path = path;
  }
}

export function isLoadError(error: unknown): error is LoadError {
  return error instanceof LoadError;
}
