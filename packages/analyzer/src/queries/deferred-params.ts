import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { ENTRY_WRITES } from '../flow/shared-state.js';
import { stripExpression } from '../flow/lock-identity.js';
import type { CallSite, ChainLink, FunctionFacts } from '../types.js';
import { symbolAt } from '../flow/symbols.js';
import { callSiteAt, compareFiles, perFile } from './file-index.js';

/** A function parameter whose callback runs after the function returns: scheduled, registered or kept. */
export interface DeferredParam {
  /** How, for messages: "passes it to `setTimeout`", "stores it in `src/other/queue.ts#kept[]`". */
  how: string;
  /** From the function down to the call or store that defers it. */
  chain: ChainLink[];
}

type Params = Map<string, Map<number, DeferredParam>>;

/**
 * A call that hands a parameter of `owner` (the function making the call, or one enclosing it)
 * to `target`: `owner` defers its parameter `index` if `target` defers its parameter `argIndex`.
 */
interface Forward {
  owner: string;
  index: number;
  target: string;
  argIndex: number;
  from: string;
  site: CallSite;
  /** The forward's place among its file's, in the order of the facts, their calls, arguments and targets. */
  seq: number;
}

/**
 * One file's part of the query: the parameters its functions defer by themselves, and the
 * forwards its calls make. A parameter belongs to the function that declares it, so both stay
 * in the file; only the forwards reach other files.
 */
interface FileParams {
  direct: Params;
  /** Per owner, its forwards in order. */
  forwards: Map<string, Forward[]>;
}

const fileParams = perFile((facts, analysis): FileParams => {
  const direct: Params = new Map();
  const forwards = new Map<string, Forward[]>();
  let seq = 0;
  for (const f of facts) {
    const key = f.info.key;
    for (const site of f.calls) {
      for (const arg of site.paramArgs) {
        const how = directDeferral(site, f.writes);
        if (how) set(direct, arg.function, arg.index, { how, chain: [{ from: key, call: site.node, operation: how }] });
      }
      // A parameter called from inside a callback that runs later.
      if (site.calleeParam && site.calleeParam.function !== key) {
        const outer = f.info.inlineArgumentOf && callSiteAt(analysis, f.info.inlineArgumentOf.call);
        if (outer?.external?.kind === 'callback-api' && outer.external.timing === 'deferred') {
          const how = `calls it from a \`${apiName(outer)}\` callback`;
          set(direct, site.calleeParam.function, site.calleeParam.index, { how, chain: [{ from: key, call: outer.node, operation: how }] });
        }
      }
    }
    for (const store of storedParams(analysis, f.info.node, f.writes)) {
      set(direct, key, store.index, { how: `stores it in \`${store.state}\``, chain: [{ from: key, call: store.node, operation: `stored in ${store.state}` }] });
    }
    for (const site of f.calls) {
      for (const arg of site.paramArgs) {
        for (const target of site.targets) {
          const forward = { owner: arg.function, index: arg.index, target, argIndex: arg.argIndex, from: key, site, seq: seq++ };
          const list = forwards.get(arg.function);
          if (list) list.push(forward);
          else forwards.set(arg.function, [forward]);
        }
      }
    }
  }
  return { direct, forwards };
});

const solved = new WeakMap<Analysis, Params>();

/**
 * Per user function, the callback parameters it does not run before returning: handed to a
 * deferred API (timers, `then`, listeners), stored in shared state, called from a deferred
 * callback, or forwarded to another function that does one of these. A helper that calls
 * its callback at once (`safeRun(fn) { fn(); }`) has none.
 */
export function deferredParams(analysis: Analysis): ReadonlyMap<string, ReadonlyMap<number, DeferredParam>> {
  const all = new Set(analysis.facts.keys());
  const result = solve(analysis, all);
  for (const key of all) if (!result.has(key)) result.set(key, new Map());
  // the whole program's answer: the lookups below find every function settled
  solved.set(analysis, result);
  return new Map([...result].filter(([, params]) => params.size > 0));
}

/**
 * Whether `fn` defers its parameter `index`, and how: `deferredParams(analysis).get(fn)?.get(index)`
 * worked out from the functions `fn` forwards its parameters to (transitively) only.
 */
export function deferredParam(analysis: Analysis, fn: string, index: number): DeferredParam | undefined {
  let known = solved.get(analysis);
  if (!known) solved.set(analysis, (known = new Map()));
  let params = known.get(fn);
  if (!params) {
    for (const [key, value] of solve(analysis, forwardClosure(analysis, fn))) known.set(key, value);
    params = known.get(fn)!;
  }
  return params.get(index);
}

/** `fn` and every function it forwards a parameter to, transitively: all that decides `fn`'s answer. */
function forwardClosure(analysis: Analysis, fn: string): Set<string> {
  const closure = new Set([fn]);
  for (const key of closure) {
    for (const forward of forwardsOf(analysis, key)) closure.add(forward.target);
  }
  return closure;
}

function forwardsOf(analysis: Analysis, key: string): readonly Forward[] {
  const file = analysis.functions.get(key)?.sourceFile;
  return (file && fileParams(analysis, file).forwards.get(key)) || [];
}

/**
 * The answers for a set of functions closed under forwarding. A parameter keeps the first
 * answer found: a pass over the forwards in the facts' order, repeated until nothing changes,
 * each pass seeing what earlier forwards of the same pass found. The answers of a closed set
 * depend on its own forwards only, so passes over them alone find what passes over the whole
 * program find.
 */
function solve(analysis: Analysis, functions: ReadonlySet<string>): Params {
  const result: Params = new Map();
  for (const key of functions) result.set(key, new Map());
  const files = new Set<ts.SourceFile>();
  for (const key of functions) {
    const file = analysis.functions.get(key)?.sourceFile;
    if (file) files.add(file);
  }
  const ordered = [...files].sort((a, b) => compareFiles(analysis, a, b));
  const forwards: Forward[] = [];
  for (const file of ordered) {
    const { direct, forwards: byOwner } = fileParams(analysis, file);
    for (const [owner, params] of direct) {
      if (!functions.has(owner)) continue;
      for (const [index, param] of params) set(result, owner, index, param);
    }
    const own = [...byOwner].filter(([owner]) => functions.has(owner)).flatMap(([, list]) => list);
    forwards.push(...own.sort((a, b) => a.seq - b.seq));
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const forward of forwards) {
      const inner = result.get(forward.target)?.get(forward.argIndex);
      if (!inner) continue;
      const name = analysis.functions.get(forward.target)?.name ?? forward.target;
      const how = `passes it to \`${name}\`, which ${inner.how}`;
      const chain: ChainLink[] = [{ from: forward.from, call: forward.site.node, to: forward.target }, ...inner.chain];
      changed = set(result, forward.owner, forward.index, { how, chain }) || changed;
    }
  }
  return result;
}

/** Keeps the first answer for a parameter; says whether this one was new. */
function set(params: Params, fn: string, index: number, param: DeferredParam): boolean {
  let own = params.get(fn);
  if (!own) params.set(fn, (own = new Map()));
  if (own.has(index)) return false;
  own.set(index, param);
  return true;
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
function storedParams(analysis: Analysis, fn: FunctionFacts['info']['node'], writes: readonly { node: ts.Node; state: string }[]): { index: number; node: ts.Node; state: string }[] {
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
