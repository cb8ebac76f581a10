import ts from 'typescript';
import type { FunctionInfo } from '../types.js';
import { fileShape, looseShape, type FunctionWithBody } from './file-shape.js';

/**
 * Where an edit fell in a file, when it fell inside bodies no other part of the file can see
 * (see file-shape.ts), or inside the bodies of functions whose inferred type it left as it was
 * (typing a statement into a method without a declared return type): every node outside those
 * bodies has a counterpart in the new version, moved by a known offset. When the edit also left
 * every position outside them on its line and column, every function outside those bodies (and
 * outside the functions holding them) has the facts it had. Typing inside a method is such an
 * edit as long as it does not add or remove a line.
 */
export interface BodyEdits {
  /** The changed bodies in the previous version, in source order. */
  readonly before: readonly ts.TextRange[];
  /** Every position outside the changed bodies kept its line and column. */
  readonly keepsLines: boolean;
  /** Where a position of the previous version outside the changed bodies is now. */
  position(pos: number): number;
  /** Whether a range of the previous version lies inside a changed body. */
  inside(range: ts.TextRange): boolean;
  /** Whether a range of the previous version holds a changed body (the functions whose walk meets it). */
  holds(range: ts.TextRange): boolean;
}

export function bodyEdits(
  before: ts.SourceFile,
  beforeInfos: readonly FunctionInfo[],
  after: ts.SourceFile,
  afterInfos: readonly FunctionInfo[],
  /**
   * Whether a function whose return type is inferred shows the same type in both versions.
   * Given, an edit inside such a body (which changes the shape) counts as well when the
   * function's type is what it was; without it, only edits inside bodies the shape hides do.
   */
  sameType?: (before: FunctionWithBody, after: FunctionWithBody) => boolean,
): BodyEdits | undefined {
  const strict = { before: fileShape(before, beforeInfos), after: fileShape(after, afterInfos) };
  // the loose shapes only when the strict ones differ: an inferred type is asked of the checkers then
  const [shapeBefore, shapeAfter] =
    strict.before && strict.before.text === strict.after?.text ? [strict.before, strict.after] : sameType ? [looseShape(before, beforeInfos), looseShape(after, afterInfos)] : [];
  if (!shapeBefore || !shapeAfter || shapeBefore.text !== shapeAfter.text) return undefined;
  const old = shapeBefore.hidden;
  const now = shapeAfter.hidden;
  // the same shape has as many hidden bodies, in the same order
  if (old.length !== now.length) return undefined;
  const changed: { before: ts.TextRange; shift: number }[] = [];
  let keepsLines = true;
  for (let i = 0; i < old.length; i++) {
    const was = before.text.slice(old[i]!.pos, old[i]!.end);
    const is = after.text.slice(now[i]!.pos, now[i]!.end);
    if (was === is) continue;
    if (!old[i]!.typed && !sameType?.(old[i]!.fn, now[i]!.fn)) return undefined;
    keepsLines &&= keepsLinesAfter(was, is);
    changed.push({ before: old[i]!, shift: is.length - was.length });
  }
  return {
    before: changed.map((c) => c.before),
    keepsLines,
    position(pos) {
      let shifted = pos;
      for (const c of changed) if (c.before.end <= pos) shifted += c.shift;
      return shifted;
    },
    inside: (range) => changed.some((c) => range.pos >= c.before.pos && range.end <= c.before.end),
    holds: (range) => changed.some((c) => range.pos <= c.before.pos && range.end >= c.before.end),
  };
}

const LINE_BREAK = /\r\n?|[\n\u2028\u2029]/g;

/** Text after a body keeps its line and column when the body has as many line breaks and a last line as long. */
function keepsLinesAfter(was: string, is: string): boolean {
  const breaks = (text: string) => [...text.matchAll(LINE_BREAK)];
  const a = breaks(was);
  const b = breaks(is);
  if (a.length !== b.length) return false;
  const lastLine = (text: string, list: RegExpExecArray[]) => {
    const last = list[list.length - 1];
    return last ? text.length - (last.index + last[0].length) : text.length;
  };
  return lastLine(was, a) === lastLine(is, b);
}
