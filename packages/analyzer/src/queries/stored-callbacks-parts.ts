import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { resolveAlias, stripExpression } from '../flow/lock-identity.js';
import type { CallSite, FunctionFacts } from '../types.js';
import { symbolAt } from '../flow/symbols.js';
import { factsOfFile } from './file-index.js';

/**
 * What one file tells the stored-callbacks query (see stored-callbacks.ts): the calls that hand
 * callbacks to user functions, the parameters its functions store into a field or binding, and
 * the calls that run a container's elements. Asks the checker, once per walk of the file.
 */

/** Collection methods that keep the argument at `argIndex`. */
const STORING: Record<string, number> = { push: 0, unshift: 0, add: 0, set: 1 };
/** Array methods that call their callback with each element. */
const EACH = new Set(['forEach', 'map', 'flatMap', 'filter', 'some', 'every', 'find', 'reduce']);

/** A call that hands callbacks to user functions: it registers them where a target stores that parameter. */
export interface Offer {
  site: CallSite;
  /** Its place among its file's offers: with the file's place, the order a pass over the facts meets it. */
  seq: number;
}

/** A call that runs the elements of a container. */
export interface Invocation {
  site: CallSite;
  container: ts.Node;
}

/** A parameter kept in a container, by the function that keeps it (or a closure inside it). */
export interface Store {
  owner: string;
  index: number;
  container: ts.Node;
  /** Its place among the file's stores, as a pass over the facts meets them: the last one of a parameter counts. */
  order: number;
}

/**
 * One file's part, read once per walk of the file: what asks the checker (which container a
 * store or a call names) is kept with the facts it was asked about. Containers may be declared in
 * other files; the part is valid while those files are the program's.
 */
export interface FileCallbacks {
  file: ts.SourceFile;
  facts: readonly FunctionFacts[];
  offers: Offer[];
  /** `this.handlers.push(fn)`: per function, stores of its parameters through a collection method. */
  methodStores: Map<string, Store[]>;
  /** `this.onChange = fn`, per function, found when some call passes one of its parameters a callback. */
  assigned: Map<string, Store[]>;
  /** Where a function's own assignments come among the file's stores: after those of its calls. */
  assignedOrder: Map<FunctionFacts, number>;
  /** Calls of an element of a container, in the facts' order. */
  invocations: Invocation[];
  /** Files other than this one that hold a container named here (grows as assignments are read). */
  elsewhere: Set<ts.SourceFile>;
}

const files = new WeakMap<readonly FunctionFacts[], FileCallbacks>();

/** Per analysis, whether a file is still the program's (asked once per file, not once per part naming it). */
const current = new WeakMap<Analysis, Map<ts.SourceFile, boolean>>();

export function isCurrent(analysis: Analysis, file: ts.SourceFile): boolean {
  let known = current.get(analysis);
  if (!known) current.set(analysis, (known = new Map()));
  let answer = known.get(file);
  if (answer === undefined) known.set(file, (answer = analysis.program.getSourceFile(file.fileName) === file));
  return answer;
}

export function fileCallbacks(analysis: Analysis, file: ts.SourceFile): FileCallbacks {
  const facts = factsOfFile(analysis, file);
  const known = files.get(facts);
  if (known && [...known.elsewhere].every((other) => isCurrent(analysis, other))) return known;
  const part: FileCallbacks = { file, facts, offers: [], methodStores: new Map(), assigned: new Map(), assignedOrder: new Map(), invocations: [], elsewhere: new Set() };
  const note = (container: ts.Node) => {
    const holder = container.getSourceFile();
    if (holder !== file) part.elsewhere.add(holder);
    return container;
  };
  let order = 0;
  for (const f of facts) {
    for (const site of f.calls) {
      if (site.callbackArgs.length > 0 && site.targets.length > 0) part.offers.push({ site, seq: part.offers.length });
      const stored = methodStore(analysis, site);
      if (stored) push(part.methodStores, stored.owner, { ...stored, container: note(stored.container), order: order++ });
      if (site.targets.length || (site.external && site.external.kind !== 'unresolved' && site.external.kind !== 'external')) continue;
      // asked of every call the walk could not resolve: a carried function's answer is carried with it (node-memo.ts)
      const container = analysis.memo('invoked-container', site.node, () => invokedContainer(analysis, site));
      if (container) part.invocations.push({ site, container: note(container) });
    }
    part.assignedOrder.set(f, order++);
  }
  files.set(facts, part);
  return part;
}

/**
 * The stores of a function's parameters that receive callbacks, in the order a pass over the
 * facts meets them: each function's calls (the function's, and its closures'), then its own
 * assignments. A parameter belongs to its function's file, and so do its stores.
 */
export function storesOf(analysis: Analysis, parts: ReadonlyMap<string, FileCallbacks>, owner: string, indexes: ReadonlySet<number>): Store[] {
  const f = analysis.facts.get(owner);
  const part = f && parts.get(f.info.sourceFile.fileName);
  if (!part) return [];
  const assigned = assignedStores(analysis, part, f, part.assignedOrder.get(f)!);
  const method = part.methodStores.get(owner);
  if (!method && assigned.length === 0) return [];
  const stores = [...(method ?? []), ...assigned];
  return stores.filter((s) => indexes.has(s.index)).sort((a, b) => a.order - b.order);
}

/** `this.handlers.push(fn)` with `fn` a parameter (of this function or an enclosing one). */
function methodStore(analysis: Analysis, site: CallSite): { owner: string; index: number; container: ts.Node } | undefined {
  const argIndex = methodStoreIndex(site);
  if (argIndex === undefined) return undefined;
  const forwarded = site.paramArgs.find((p) => p.argIndex === argIndex);
  if (!forwarded) return undefined;
  const callee = stripExpression(site.node.expression) as ts.PropertyAccessExpression;
  // carried with the function like the invoked containers (node-memo.ts)
  const container = analysis.memo('stored-container', site.node, () => containerOf(analysis.checker, callee.expression));
  return container ? { owner: forwarded.function, index: forwarded.index, container } : undefined;
}

function methodStoreIndex(site: CallSite): number | undefined {
  const callee = stripExpression(site.node.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const argIndex = STORING[callee.name.text];
  return argIndex !== undefined && site.paramArgs.some((p) => p.argIndex === argIndex) ? argIndex : undefined;
}

/** `this.onChange = fn`: the function's parameters assigned to a field or binding, found once per walk. */
function assignedStores(analysis: Analysis, part: FileCallbacks, f: FunctionFacts, order: number): Store[] {
  const key = f.info.key;
  let stores = part.assigned.get(key);
  if (stores) return stores;
  stores = [];
  part.assigned.set(key, stores);
  const node = f.info.node;
  if (ts.isSourceFile(node) || !node.body) return stores;
  const checker = analysis.checker;
  const parameters = node.parameters;
  // An identifier can only be a parameter of this function by that parameter's name.
  const names = new Set(parameters.map((p) => p.name).filter((name) => ts.isIdentifier(name)).map((name) => name.text));
  if (names.size === 0) return stores;
  const file = f.info.sourceFile;
  const visit = (child: ts.Node): void => {
    if (ts.isFunctionLike(child)) return;
    if (ts.isBinaryExpression(child) && child.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(child.right) && names.has(child.right.text)) {
      const declaration = symbolAt(checker, child.right)?.valueDeclaration;
      const index = declaration && ts.isParameter(declaration) ? parameters.indexOf(declaration) : -1;
      const container = index >= 0 ? containerOf(checker, child.left) : undefined;
      if (container) {
        if (container.getSourceFile() !== file) part.elsewhere.add(container.getSourceFile());
        stores!.push({ owner: key, index, container, order });
      }
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node.body, visit);
  return stores;
}

/** The field or binding a collection expression reads: `this.handlers`, `this.byEvent.get(e) ?? []`, `[...listeners]`. */
function containerOf(checker: ts.TypeChecker, expression: ts.Expression, depth = 0): ts.Node | undefined {
  const e = stripExpression(expression);
  if (depth > 6) return undefined;
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ['get', 'values', 'slice'].includes(e.expression.name.text)) {
    return containerOf(checker, e.expression.expression, depth + 1);
  }
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(e.operatorToken.kind)) {
    return containerOf(checker, e.left, depth + 1);
  }
  if (ts.isArrayLiteralExpression(e) && e.elements.length === 1 && ts.isSpreadElement(e.elements[0]!)) {
    return containerOf(checker, e.elements[0].expression, depth + 1);
  }
  if (ts.isElementAccessExpression(e)) return containerOf(checker, e.expression, depth + 1);
  if (ts.isPropertyAccessExpression(e) || ts.isIdentifier(e)) {
    const symbol = resolveAlias(checker, symbolAt(checker, ts.isPropertyAccessExpression(e) ? e.name : e));
    const declaration = symbol?.valueDeclaration;
    if (!declaration) return undefined;
    if (ts.isPropertyDeclaration(declaration) || ts.isPropertySignature(declaration)) return declaration;
    if (ts.isVariableDeclaration(declaration) && ts.isSourceFile(declaration.parent.parent.parent)) return declaration;
  }
  return undefined;
}

/** The container whose elements a call runs: `h(e)` with `h` from `for (const h of this.handlers)` or `handlers.forEach(h => …)`. */
function invokedContainer(analysis: Analysis, site: CallSite): ts.Node | undefined {
  const checker = analysis.checker;
  const callee = stripExpression(site.node.expression);
  if (ts.isPropertyAccessExpression(callee)) return containerOf(checker, callee);
  if (!ts.isIdentifier(callee)) return undefined;
  const declaration = symbolAt(checker, callee)?.valueDeclaration;
  if (!declaration) return undefined;
  if (ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent) && ts.isForOfStatement(declaration.parent.parent)) {
    return containerOf(checker, declaration.parent.parent.expression);
  }
  if (ts.isParameter(declaration) && declaration.parent.parameters[0] === declaration) {
    const fn = analysis.functionOf(declaration.parent);
    const call = fn?.inlineArgumentOf?.call;
    const method = call && ts.isCallExpression(call) ? stripExpression(call.expression) : undefined;
    if (method && ts.isPropertyAccessExpression(method) && EACH.has(method.name.text)) return containerOf(checker, method.expression);
  }
  return undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
