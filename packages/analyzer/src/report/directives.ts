import ts from 'typescript';

/**
 * A comment that acknowledges findings at a place: lockwise's own
 * `// lockwise-ignore <rule>[, <rule>] -- <reason>` or ESLint's
 * `// eslint-disable-next-line lockwise/<rule> -- <reason>` (and `-line`). The reason is
 * mandatory for lockwise's directive: one without it acknowledges nothing.
 */
export interface Directive {
  kind: 'lockwise' | 'eslint';
  /** Rule names without the `lockwise/` prefix; empty means every rule (ESLint's bare disable). */
  rules: string[];
  reason?: string;
  /** 1-based line the directive applies to. */
  appliesToLine: number;
  /** 1-based line of the comment. */
  line: number;
}

const cache = new WeakMap<ts.SourceFile, Map<number, Directive[]>>();

const LOCKWISE = /^\s*(?:\/\/|\/\*)\s*lockwise-ignore\s+([\w\-/, ]+?)\s*(?:--\s*(.*?))?\s*(?:\*\/)?\s*$/;
const ESLINT = /^\s*(?:\/\/|\/\*)\s*eslint-disable-(next-line|line)(?:\s+([^-][\w\-/@, ]*?))?\s*(?:--\s*(.*?))?\s*(?:\*\/)?\s*$/;

export function directivesOf(sourceFile: ts.SourceFile): Map<number, Directive[]> {
  const cached = cache.get(sourceFile);
  if (cached) return cached;
  const byLine = new Map<number, Directive[]>();
  const text = sourceFile.text;
  // Most files have no directive at all: don't walk them.
  const mentions = [...text.matchAll(/lockwise-ignore|eslint-disable/g)].map((m) => m.index);
  if (mentions.length > 0) {
    for (const range of commentRanges(sourceFile, mentions)) {
      const directive = parseDirective(sourceFile, text.slice(range.pos, range.end), range.pos);
      if (!directive) continue;
      const list = byLine.get(directive.appliesToLine) ?? [];
      list.push(directive);
      byLine.set(directive.appliesToLine, list);
    }
  }
  cache.set(sourceFile, byLine);
  return byLine;
}

/**
 * The comments of the file around the given positions, found from the syntax tree (the trivia
 * around its tokens), so text inside strings and templates never counts. A comment is in the
 * trivia that starts where a node starts or ends, and that node is a child of one whose range
 * holds the comment: only those are walked into (on a large file with one directive, a handful
 * of nodes rather than every one).
 */
function commentRanges(sourceFile: ts.SourceFile, positions: readonly number[]): ts.CommentRange[] {
  const text = sourceFile.text;
  const seen = new Map<number, ts.CommentRange>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) seen.set(range.pos, range);
  };
  const holdsOne = (node: ts.Node) => positions.some((pos) => pos >= node.pos && pos <= node.end);
  const around = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.pos));
    // after a node: its own line's comment, and the lines up to the next token (a closing brace)
    collect(ts.getTrailingCommentRanges(text, node.end));
    collect(ts.getLeadingCommentRanges(text, node.end));
  };
  const visit = (node: ts.Node): void => {
    around(node);
    ts.forEachChild(node, (child) => (holdsOne(child) ? visit(child) : around(child)));
  };
  visit(sourceFile);
  collect(ts.getLeadingCommentRanges(text, sourceFile.endOfFileToken.pos));
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

function parseDirective(sourceFile: ts.SourceFile, comment: string, pos: number): Directive | undefined {
  const text = sourceFile.text;
  const line = sourceFile.getLineAndCharacterOfPosition(pos).line + 1;
  const ownLine = /^\s*$/.test(text.slice(text.lastIndexOf('\n', pos - 1) + 1, pos));
  const lw = LOCKWISE.exec(comment);
  if (lw) {
    return {
      kind: 'lockwise',
      rules: lw[1]!.split(/[\s,]+/).filter(Boolean).map((r) => r.replace(/^lockwise\//, '')),
      reason: lw[2]?.trim() || undefined,
      appliesToLine: ownLine ? line + 1 : line,
      line,
    };
  }
  const es = ESLINT.exec(comment);
  if (!es) return undefined;
  const rules = (es[2] ?? '').split(/[\s,]+/).filter(Boolean);
  const lockwiseRules = rules.filter((r) => r.startsWith('lockwise/')).map((r) => r.slice('lockwise/'.length));
  if (rules.length > 0 && lockwiseRules.length === 0) return undefined;
  return {
    kind: 'eslint',
    rules: lockwiseRules,
    reason: es[3]?.trim() || undefined,
    appliesToLine: es[1] === 'next-line' ? line + 1 : line,
    line,
  };
}

/** The directive that acknowledges `rule` at a node (on its first line), if any. */
export function directiveFor(node: ts.Node, rule: string): Directive | undefined {
  const sourceFile = node.getSourceFile();
  const line = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
  return directivesOf(sourceFile).get(line)?.find((d) => d.rules.length === 0 || d.rules.includes(rule));
}
