import ts from 'typescript';
import { symbolAt } from '@lockwise/analyzer';

/**
 * Syntax questions the release-on-all-paths rule asks about the code around an acquisition:
 * where a releaser is bound and whether it is returned or disposed, where a jump goes, whether a
 * release or a try-acquire result is tested.
 */

/** The acquire is the initializer of a `using` / `await using` declaration: disposal releases it. */
export function disposedByUsing(start: ts.Node): boolean {
  let node = start;
  while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
  const declaration = node.parent;
  return ts.isVariableDeclaration(declaration) && declaration.initializer === node && (declaration.parent.flags & ts.NodeFlags.Using) !== 0;
}

/** The variables an acquire's result is bound to: `const r = await …`, `const [, release] = await …`, `r = await …`. */
export function releaserSymbols(checker: ts.TypeChecker, start: ts.Node): ts.Symbol[] {
  let node = start;
  while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  const names: ts.Identifier[] = [];
  const collect = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.push(name);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) collect(element.name);
  };
  if (ts.isVariableDeclaration(parent) && parent.initializer === node) collect(parent.name);
  if (ts.isBinaryExpression(parent) && parent.right === node && ts.isIdentifier(parent.left)) names.push(parent.left);
  return names.map((n) => symbolAt(checker, n)).filter((s): s is ts.Symbol => !!s);
}

/** Whether a `return` of the function (not of a nested one) mentions one of the symbols. */
export function returnsMention(checker: ts.TypeChecker, fn: ts.Node, symbols: readonly ts.Symbol[]): boolean {
  let found = false;
  // A name can only resolve to a symbol of that name: other identifiers need no checker.
  const names = new Set(symbols.map((symbol) => symbol.escapedName));
  const mentions = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && names.has(node.escapedText) && symbols.includes(symbolAt(checker, node)!)) found = true;
    else if (ts.isShorthandPropertyAssignment(node) && names.has(node.name.escapedText) && symbols.includes(checker.getShorthandAssignmentValueSymbol(node)!)) found = true;
    else ts.forEachChild(node, mentions);
  };
  const visit = (node: ts.Node): void => {
    if (found || (node !== fn && ts.isFunctionLike(node))) return;
    if (ts.isReturnStatement(node) && node.expression) mentions(node.expression);
    else ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

/** The statement a `break`/`continue` transfers control out of. */
export function jumpTarget(jump: ts.BreakOrContinueStatement): ts.Node | undefined {
  for (let current = jump.parent; current && !ts.isFunctionLike(current); current = current.parent) {
    if (jump.label) {
      if (ts.isLabeledStatement(current) && current.label.text === jump.label.text) return current.statement;
      continue;
    }
    if (ts.isIterationStatement(current, false)) return current;
    if (ts.isBreakStatement(jump) && ts.isSwitchStatement(current)) return current;
  }
  return undefined;
}

export function enclosingLoop(node: ts.Node, boundary: ts.Node): ts.IterationStatement | undefined {
  for (let current = node.parent; current && current !== boundary; current = current.parent) {
    if (ts.isFunctionLike(current)) return undefined;
    if (ts.isIterationStatement(current, false)) return current;
  }
  return undefined;
}

/** The release runs only under a condition inside the `finally` (`r?.()`, `if (r) r()`): it checks for itself. */
export function conditional(release: ts.Node, finallyBlock: ts.Block): boolean {
  if (ts.isCallExpression(release) && (release.questionDotToken || (ts.isPropertyAccessExpression(release.expression) && release.expression.questionDotToken))) {
    return true;
  }
  for (let current = release.parent; current && current !== finallyBlock; current = current.parent) {
    if (ts.isIfStatement(current) || ts.isConditionalExpression(current)) return true;
    if (ts.isBinaryExpression(current) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(current.operatorToken.kind)) {
      return true;
    }
  }
  return false;
}

export function isReturned(node: ts.Node): boolean {
  let current = node;
  while (ts.isParenthesizedExpression(current.parent) || ts.isAwaitExpression(current.parent)) current = current.parent;
  return ts.isReturnStatement(current.parent) || (ts.isArrowFunction(current.parent) && current.parent.body === current);
}

/** Whether a reference to `symbol` is tested somewhere in `body`: in a condition, negated, compared, or optionally chained. */
export function testedIn(checker: ts.TypeChecker, body: ts.Node, symbol: ts.Symbol): boolean {
  let tested = false;
  const visit = (node: ts.Node): void => {
    if (tested) return;
    if (ts.isIdentifier(node) && symbolAt(checker, node) === symbol && isTest(node)) {
      tested = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return tested;
}

function isTest(reference: ts.Identifier): boolean {
  let node: ts.Node = reference;
  while (ts.isParenthesizedExpression(node.parent) || ts.isNonNullExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if ((ts.isIfStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent)) && parent.expression === node) return true;
  if (ts.isConditionalExpression(parent) && parent.condition === node) return true;
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) return true;
  if (ts.isBinaryExpression(parent)) {
    return [
      ts.SyntaxKind.AmpersandAmpersandToken,
      ts.SyntaxKind.BarBarToken,
      ts.SyntaxKind.QuestionQuestionToken,
      ts.SyntaxKind.EqualsEqualsToken,
      ts.SyntaxKind.EqualsEqualsEqualsToken,
      ts.SyntaxKind.ExclamationEqualsToken,
      ts.SyntaxKind.ExclamationEqualsEqualsToken,
    ].includes(parent.operatorToken.kind);
  }
  return (ts.isPropertyAccessExpression(parent) || ts.isCallExpression(parent)) && !!parent.questionDotToken;
}
