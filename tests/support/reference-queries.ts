/**
 * The whole-program queries as they were before they became incremental: the oracle the
 * incremental ones are compared against (tests/incremental-queries.test.ts).
 */
import ts from 'typescript';
import type { Analysis } from '@lockwise/analyzer';
import { ENTRY_WRITES } from '../../packages/analyzer/src/flow/shared-state.js';
import { stripExpression } from '../../packages/analyzer/src/flow/lock-identity.js';
import type { CallSite, ChainLink, FunctionFacts } from '@lockwise/analyzer';
import { resolveAlias } from '../../packages/analyzer/src/flow/lock-identity.js';
import { symbolAt } from '../../packages/analyzer/src/flow/symbols.js';

/** A function parameter whose callback runs after the function returns: scheduled, registered or kept. */
interface DeferredParam {
  /** How, for messages: "passes it to `setTimeout`", "stores it in `src/other/queue.ts#kept[]`". */
  how: string;
  /** From the function down to the call or store that defers it. */
  chain: ChainLink[];
}

const cache = new WeakMap<Analysis, Map<string, Map<number, DeferredParam>>>();

/**
 * Per user function, the callback parameters it does not run before returning: handed to a
 * deferred API (timers, `then`, listeners), stored in shared state, called from a deferred
 * callback, or forwarded to another function that does one of these. A helper that calls
 * its callback at once (`safeRun(fn) { fn(); }`) has none.
 */
export function referenceDeferredParams(analysis: Analysis): ReadonlyMap<string, ReadonlyMap<number, DeferredParam>> {
  let result = cache.get(analysis);
  if (result) return result;
  result = new Map();
  const set = (fn: string, index: number, param: DeferredParam): boolean => {
    let params = result!.get(fn);
    if (!params) result!.set(fn, (params = new Map()));
    if (params.has(index)) return false;
    params.set(index, param);
    return true;
  };
  const callsByNode = new Map<ts.Node, CallSite>();
  for (const facts of analysis.facts.values()) for (const site of facts.calls) callsByNode.set(site.node, site);

  for (const facts of analysis.facts.values()) {
    const key = facts.info.key;
    for (const site of facts.calls) {
      for (const arg of site.paramArgs) {
        const direct = directDeferral(site, facts.writes);
        if (direct) set(arg.function, arg.index, { how: direct, chain: [{ from: key, call: site.node, operation: direct }] });
      }
      // A parameter called from inside a callback that runs later.
      if (site.calleeParam && site.calleeParam.function !== key) {
        const outer = facts.info.inlineArgumentOf && callsByNode.get(facts.info.inlineArgumentOf.call);
        if (outer?.external?.kind === 'callback-api' && outer.external.timing === 'deferred') {
          const how = `calls it from a \`${apiName(outer)}\` callback`;
          set(site.calleeParam.function, site.calleeParam.index, { how, chain: [{ from: key, call: outer.node, operation: how }] });
        }
      }
    }
    for (const store of storedParams(analysis, facts.info.node, facts.writes)) {
      set(key, store.index, { how: `stores it in \`${store.state}\``, chain: [{ from: key, call: store.node, operation: `stored in ${store.state}` }] });
    }
  }
  // Forwarded to a function that defers it.
  for (let changed = true; changed; ) {
    changed = false;
    for (const facts of analysis.facts.values()) {
      for (const site of facts.calls) {
        for (const arg of site.paramArgs) {
          for (const target of site.targets) {
            const inner = result.get(target)?.get(arg.argIndex);
            if (!inner) continue;
            const name = analysis.functions.get(target)?.name ?? target;
            const how = `passes it to \`${name}\`, which ${inner.how}`;
            changed = set(arg.function, arg.index, { how, chain: [{ from: facts.info.key, call: site.node, to: target }, ...inner.chain] }) || changed;
          }
        }
      }
    }
  }
  cache.set(analysis, result);
  return result;
}

/** What one call does with an argument it receives, when that on its own defers it. */
function directDeferral(site: CallSite, writes: readonly { node: ts.Node; state: string }[]): string | undefined {
  const external = site.external;
  if (external?.kind === 'callback-api' && external.timing === 'deferred') return `passes it to \`${apiName(site)}\``;
  const callee = stripExpression(site.node.expression);
  if (site.targets.length === 0 && ts.isPropertyAccessExpression(callee) && ENTRY_WRITES.has(callee.name.text)) {
    const store = writes.find((w) => w.node === callee);
    if (store) return `stores it in \`${store.state}\``;
  }
  return undefined;
}

/** `this.onDone = fn`, `handlers.current = fn`: a parameter assigned to shared state. */
function storedParams(analysis: Analysis, fn: ts.Node, writes: readonly { node: ts.Node; state: string }[]): { index: number; node: ts.Node; state: string }[] {
  if (ts.isSourceFile(fn) || !ts.isFunctionLike(fn)) return [];
  const stores: { index: number; node: ts.Node; state: string }[] = [];
  for (const write of writes) {
    const assignment = write.node.parent;
    if (!assignment || !ts.isBinaryExpression(assignment) || assignment.left !== write.node || assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
    const value = stripExpression(assignment.right);
    if (!ts.isIdentifier(value)) continue;
    const declaration = symbolAt(analysis.checker, value)?.valueDeclaration;
    if (!declaration || !ts.isParameter(declaration) || declaration.parent !== fn) continue;
    stores.push({ index: fn.parameters.indexOf(declaration), node: assignment, state: write.state });
  }
  return stores;
}

function apiName(site: CallSite): string {
  const external = site.external;
  const name = external && 'name' in external ? external.name : site.calleeText;
  return name.split('.').pop() ?? name;
}

// ---------------------------------------------------------------- stored callbacks

/** Collection methods that keep the argument at `argIndex`. */
const STORING: Record<string, number> = { push: 0, unshift: 0, add: 0, set: 1 };
/** Array methods that call their callback with each element. */
const EACH = new Set(['forEach', 'map', 'flatMap', 'filter', 'some', 'every', 'find', 'reduce']);

const storedCache = new WeakMap<Analysis, ReadonlyMap<CallSite, readonly string[]>>();

/**
 * Listeners and other callbacks a user structure keeps and calls later: `bus.on(fn)` stores
 * `fn` in `this.handlers`, and `for (const h of this.handlers) await h(e)` runs every function
 * ever registered. The call graph sees neither edge (the callee is an element of a field);
 * this maps each such call to the functions registered into the same field or binding.
 */
export function referenceStoredCallbackTargets(analysis: Analysis): ReadonlyMap<CallSite, readonly string[]> {
  let result = storedCache.get(analysis);
  if (!result) {
    result = computeStored(analysis);
    storedCache.set(analysis, result);
  }
  return result;
}

function computeStored(analysis: Analysis): Map<CallSite, string[]> {
  const checker = analysis.checker;
  const receiving = callbackParameters(analysis);
  if (receiving.size === 0) return new Map();
  // function key → parameter index → the container the parameter is stored into
  const registrars = new Map<string, Map<number, ts.Node>>();
  for (const f of analysis.facts.values()) {
    for (const [owner, index, container] of storedParameters(checker, f, receiving)) {
      const map = registrars.get(owner) ?? new Map<number, ts.Node>();
      map.set(index, container);
      registrars.set(owner, map);
    }
  }
  const registered = new Map<ts.Node, Set<string>>();
  for (const f of analysis.facts.values()) {
    for (const site of f.calls) {
      for (const target of site.targets) {
        for (const [index, container] of registrars.get(target) ?? []) {
          for (const cb of site.callbackArgs) {
            if (cb.argIndex !== index) continue;
            const set = registered.get(container) ?? new Set<string>();
            set.add(cb.fn);
            registered.set(container, set);
          }
        }
      }
    }
  }
  const result = new Map<CallSite, string[]>();
  if (registered.size === 0) return result;
  for (const f of analysis.facts.values()) {
    for (const site of f.calls) {
      if (site.targets.length || (site.external && site.external.kind !== 'unresolved' && site.external.kind !== 'external')) continue;
      const container = invokedContainer(analysis, site);
      const callbacks = container && registered.get(container);
      if (callbacks?.size) result.set(site, [...callbacks]);
    }
  }
  return result;
}

/**
 * Function key → indexes of its parameters that some call passes a callback: only those can
 * register a listener, so only they are looked for in stores.
 */
function callbackParameters(analysis: Analysis): Map<string, Set<number>> {
  const receiving = new Map<string, Set<number>>();
  for (const f of analysis.facts.values()) {
    for (const site of f.calls) {
      if (site.callbackArgs.length === 0) continue;
      for (const target of site.targets) {
        const indexes = receiving.get(target) ?? new Set<number>();
        for (const cb of site.callbackArgs) indexes.add(cb.argIndex);
        receiving.set(target, indexes);
      }
    }
  }
  return receiving;
}

/** Parameters (of this function or an enclosing one) kept in a field or binding: `this.handlers.push(fn)`, `this.onChange = fn`. */
function storedParameters(checker: ts.TypeChecker, f: FunctionFacts, receiving: ReadonlyMap<string, ReadonlySet<number>>): [string, number, ts.Node][] {
  const out: [string, number, ts.Node][] = [];
  for (const site of f.calls) {
    const callee = stripExpression(site.node.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const argIndex = STORING[callee.name.text];
    if (argIndex === undefined) continue;
    const forwarded = site.paramArgs.find((p) => p.argIndex === argIndex);
    if (!forwarded || !receiving.get(forwarded.function)?.has(forwarded.index)) continue;
    const container = containerOf(checker, callee.expression);
    if (container) out.push([forwarded.function, forwarded.index, container]);
  }
  const node = f.info.node;
  const indexes = receiving.get(f.info.key);
  if (ts.isSourceFile(node) || !node.body || !indexes) return out;
  const parameters = node.parameters;
  // An identifier can only be a parameter of this function by that parameter's name.
  const names = new Set([...indexes].map((i) => parameters[i]?.name).filter((name) => name !== undefined && ts.isIdentifier(name)).map((name) => name.text));
  if (names.size === 0) return out;
  const visit = (child: ts.Node): void => {
    if (ts.isFunctionLike(child)) return;
    if (ts.isBinaryExpression(child) && child.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(child.right) && names.has(child.right.text)) {
      const declaration = symbolAt(checker, child.right)?.valueDeclaration;
      const index = declaration && ts.isParameter(declaration) ? parameters.indexOf(declaration) : -1;
      const container = index >= 0 ? containerOf(checker, child.left) : undefined;
      if (container) out.push([f.info.key, index, container]);
    }
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node.body, visit);
  return out;
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
