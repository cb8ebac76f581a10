export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** An error's message with the frame it was thrown from: enough to report an internal error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack?.split('\n').find((l) => /^\s+at /.test(l));
    return `${error.message}${frame ? ` (${frame.trim()})` : ''}`;
  }
  return String(error);
}
