/** The process surface the CLI touches: injected so tests run it in-process with fake streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Colors only on a terminal, and never with --no-color or NO_COLOR (https://no-color.org: set and not empty). */
export function useColor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv, noColor: boolean): boolean {
  return !noColor && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && isTty(stream);
}

/** Writes and waits until the chunk is handed to the stream, so output order and flushing are deterministic. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    stream.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** One updating status line on stderr, only on an interactive terminal outside CI. */
export interface Progress {
  update(message: string): void;
  done(): void;
}

export function createProgress(io: CliIo, enabled: boolean): Progress {
  const on = enabled && isTty(io.stderr) && !isCi(io.env);
  let shown = false;
  return {
    update(message) {
      if (!on) return;
      io.stderr.write(`\r\x1b[2Klockwise: ${message}…`);
      shown = true;
    },
    done() {
      if (on && shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') || env.CONTINUOUS_INTEGRATION !== undefined;
}
