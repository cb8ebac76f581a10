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
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, sourceFile.languageVariant, text);
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token !== ts.SyntaxKind.SingleLineCommentTrivia && token !== ts.SyntaxKind.MultiLineCommentTrivia) continue;
    const comment = scanner.getTokenText();
    const line = sourceFile.getLineAndCharacterOfPosition(scanner.getTokenStart()).line + 1;
    const ownLine = /^\s*$/.test(text.slice(text.lastIndexOf('\n', scanner.getTokenStart() - 1) + 1, scanner.getTokenStart()));
    let directive: Directive | undefined;
    const lw = LOCKWISE.exec(comment);
    if (lw) {
      directive = {
        kind: 'lockwise',
        rules: lw[1]!.split(/[\s,]+/).filter(Boolean).map((r) => r.replace(/^lockwise\//, '')),
        reason: lw[2]?.trim() || undefined,
        appliesToLine: ownLine ? line + 1 : line,
        line,
      };
    }
    const es = ESLINT.exec(comment);
    if (es) {
      const rules = (es[2] ?? '').split(/[\s,]+/).filter(Boolean);
      directive = {
        kind: 'eslint',
        rules: rules.filter((r) => r.startsWith('lockwise/')).map((r) => r.slice('lockwise/'.length)),
        reason: es[3]?.trim() || undefined,
        appliesToLine: es[1] === 'next-line' ? line + 1 : line,
        line,
      };
      if (rules.length > 0 && directive.rules.length === 0) directive = undefined;
    }
    if (directive) {
      const list = byLine.get(directive.appliesToLine) ?? [];
      list.push(directive);
      byLine.set(directive.appliesToLine, list);
    }
  }
  cache.set(sourceFile, byLine);
  return byLine;
}

/** The directive that acknowledges `rule` at a node (on its first line), if any. */
export function directiveFor(node: ts.Node, rule: string): Directive | undefined {
  const sourceFile = node.getSourceFile();
  const line = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
  return directivesOf(sourceFile).get(line)?.find((d) => d.rules.length === 0 || d.rules.includes(rule));
}
