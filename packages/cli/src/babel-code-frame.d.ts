// @babel/code-frame ships no types (and @types/babel__code-frame is not installed): the part lockwise uses.
declare module '@babel/code-frame' {
  export interface Position {
    line: number;
    column?: number;
  }
  export interface SourceLocation {
    start: Position;
    end?: Position;
  }
  export interface Options {
    highlightCode?: boolean;
    forceColor?: boolean;
    linesAbove?: number;
    linesBelow?: number;
    message?: string;
  }
  export function codeFrameColumns(rawLines: string, location: SourceLocation, options?: Options): string;
}
