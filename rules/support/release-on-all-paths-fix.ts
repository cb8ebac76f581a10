import ts from 'typescript';
import { stripExpression, type Analysis, type HeldRegion } from '@lockwise/analyzer';
import type { RuleReport } from './rule.js';
import { symbolAt } from '@lockwise/analyzer';

type Suggestion = NonNullable<RuleReport['suggestions']>[number];

/**
 * The `try { … } finally { release(); }` rewrite of a region, offered only where it cannot
 * change what the code means beyond the release itself: the acquire and its only release are
 * statements of the same block, nothing in between jumps out of it (`return`, `break`,
 * `continue`), and a `const` declared in between and used after the release can be hoisted
 * as a typed `let`.
 */
export function wrapInTryFinally(analysis: Analysis, region: HeldRegion): Suggestion | undefined {
  if (region.releases.length !== 1) return undefined;
  const acquire = statementOf(region.start);
  const release = statementOf(region.releases[0]!);
  if (!acquire || !release || acquire.parent !== release.parent || !ts.isExpressionStatement(release)) return undefined;
  if (!isReleaseStatement(release, region.releases[0]!)) return undefined;
  const statements = (acquire.parent as ts.Block | ts.SourceFile).statements;
  const from = statements.indexOf(acquire);
  const to = statements.indexOf(release);
  const between = statements.slice(from + 1, to);
  if (between.length === 0 || between.some(jumpsOut)) return undefined;
  const after = statements.slice(to + 1);
  const hoisted = hoistings(analysis, between, after);
  if (!hoisted) return undefined;

  const sourceFile = acquire.getSourceFile();
  const text = sourceFile.text;
  const indent = indentationOf(text, acquire.getStart());
  let inner = '';
  between.forEach((statement, i) => {
    inner += hoisted.rewritten.get(statement) ?? text.slice(statement.getStart(), statement.end);
    if (i < between.length - 1) inner += text.slice(statement.end, between[i + 1]!.getStart());
  });
  const body = inner.replace(/\n/g, '\n  ');
  const lets = hoisted.declarations.map((d) => `let ${d};\n${indent}`).join('');
  const replacement =
    `${lets}try {\n${indent}  ${body}\n${indent}} finally {\n${indent}  ${text.slice(release.getStart(), release.end)}\n${indent}}`;
  return {
    messageId: 'wrapInTryFinally',
    data: { release: release.expression.getText().replace(/\s+/g, ' ') },
    edits: [{ start: between[0]!.getStart(), end: release.end, text: replacement }],
  };
}

function statementOf(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (ts.isFunctionLike(current)) return undefined;
    if (ts.isStatement(current) && (ts.isBlock(current.parent) || ts.isSourceFile(current.parent))) return current;
  }
  return undefined;
}

/** `r();`, `await lock.unlock();`, `mu.release();`: the statement is the release and nothing else. */
function isReleaseStatement(statement: ts.ExpressionStatement, release: ts.Node): boolean {
  let expression = stripExpression(statement.expression);
  if (ts.isAwaitExpression(expression) || ts.isVoidExpression(expression)) expression = stripExpression(expression.expression);
  return expression === release;
}

/** A statement that can leave the enclosing block other than by falling through or throwing. */
function jumpsOut(statement: ts.Statement): boolean {
  let found = false;
  const visit = (node: ts.Node, inLoop: boolean, inSwitch: boolean): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node)) found = true;
    else if (ts.isBreakStatement(node)) found = !!node.label || !(inLoop || inSwitch);
    else if (ts.isContinueStatement(node)) found = !!node.label || !inLoop;
    const loop = inLoop || ts.isIterationStatement(node, false);
    const sw = inSwitch || ts.isSwitchStatement(node);
    ts.forEachChild(node, (child) => visit(child, loop, sw));
  };
  visit(statement, false, false);
  return found;
}

/**
 * Declarations between acquire and release that code after the release still uses: each must be
 * a single `const`/`let` name, hoisted above the `try` as `let name: Type` and assigned inside it.
 */
function hoistings(
  analysis: Analysis,
  between: readonly ts.Statement[],
  after: readonly ts.Statement[],
): { declarations: string[]; rewritten: Map<ts.Statement, string> } | undefined {
  const checker = analysis.checker;
  const usedAfter = new Set<ts.Symbol>();
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const symbol = symbolAt(checker, node);
      if (symbol) usedAfter.add(symbol);
    }
    ts.forEachChild(node, collect);
  };
  after.forEach(collect);
  const declarations: string[] = [];
  const rewritten = new Map<ts.Statement, string>();
  for (const statement of between) {
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      const symbol = symbolAt(checker, statement.name);
      if (symbol && usedAfter.has(symbol)) return undefined;
      continue;
    }
    if (!ts.isVariableStatement(statement)) continue;
    const used = statement.declarationList.declarations.filter((d) => declaresUsed(checker, d.name, usedAfter));
    if (used.length === 0) continue;
    if (statement.declarationList.declarations.length !== 1 || (statement.declarationList.flags & ts.NodeFlags.Using) !== 0) return undefined;
    const declaration = used[0]!;
    if (!ts.isIdentifier(declaration.name) || !declaration.initializer) return undefined;
    const type = declaration.type?.getText() ?? printableType(checker, declaration);
    if (!type) return undefined;
    declarations.push(`${declaration.name.text}: ${type}`);
    rewritten.set(statement, `${declaration.name.text} = ${declaration.initializer.getText()};`);
  }
  return { declarations, rewritten };
}

function declaresUsed(checker: ts.TypeChecker, name: ts.BindingName, used: ReadonlySet<ts.Symbol>): boolean {
  if (ts.isIdentifier(name)) {
    const symbol = symbolAt(checker, name);
    return !!symbol && used.has(symbol);
  }
  return name.elements.some((element) => !ts.isOmittedExpression(element) && declaresUsed(checker, element.name, used));
}

function printableType(checker: ts.TypeChecker, declaration: ts.VariableDeclaration): string | undefined {
  const text = checker.typeToString(checker.getTypeAtLocation(declaration.name), declaration, ts.TypeFormatFlags.NoTruncation);
  return /import\(|\.\.\.|^any$/.test(text) ? undefined : text;
}

function indentationOf(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, position))![0];
}
