import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { ENTRY_WRITES } from '../flow/shared-state.js';
import { stripExpression } from '../flow/lock-identity.js';
import type { CallSite, ChainLink } from '../types.js';
import { symbolAt } from '../flow/symbols.js';

/** A function parameter whose callback runs after the function returns: scheduled, registered or kept. */
export interface DeferredParam {
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
export function deferredParams(analysis: Analysis): ReadonlyMap<string, ReadonlyMap<number, DeferredParam>> {
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
