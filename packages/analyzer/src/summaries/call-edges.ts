import type { CallSite, FunctionFacts, WrapperSummary } from '../types.js';

export interface Edge {
  site: CallSite;
  to: string;
  /** The callee's lock parameters are substituted through these arguments. */
  lockArgs: CallSite['lockArgs'];
  kind: 'call' | 'callback';
}

/** The call graph the summaries flow over, in both directions. */
export interface CallEdges {
  outgoing: ReadonlyMap<string, readonly Edge[]>;
  /** Callers of each function, one entry per edge. */
  incoming: ReadonlyMap<string, readonly string[]>;
  /** Call sites of each function, one entry per edge (the reverse call graph rules read). */
  callers: ReadonlyMap<string, CallSite[]>;
  /** Each function's place in the facts' order: every list above is in that order, as a build from scratch makes it. */
  order: ReadonlyMap<string, number>;
  count: number;
}

/** Edges: calls to user functions, and inline callbacks that run before the call returns. */
export function buildCallEdges(facts: ReadonlyMap<string, FunctionFacts>, wrappers: ReadonlyMap<string, WrapperSummary>): CallEdges {
  const outgoing = new Map<string, Edge[]>();
  const incoming = new Map<string, string[]>();
  const callers = new Map<string, CallSite[]>();
  const order = new Map<string, number>();
  let count = 0;
  for (const [key, f] of facts) {
    order.set(key, order.size);
    const list = edgesOf(f, facts, wrappers);
    for (const edge of list) {
      push(incoming, edge.to, key);
      push(callers, edge.to, edge.site);
    }
    count += list.length;
    outgoing.set(key, list);
  }
  return { outgoing, incoming, callers, order, count };
}

/**
 * The previous edges with those of the `changed` functions replaced: an editor's edit re-walks a
 * file or two, and rebuilding every edge of the program for it would cost more than the rest of
 * the summary update. The reverse lists of the functions those edges reach are rebuilt in the
 * facts' order, so every list is the one a build from scratch makes.
 */
export function patchCallEdges(
  facts: ReadonlyMap<string, FunctionFacts>,
  wrappers: ReadonlyMap<string, WrapperSummary>,
  previous: CallEdges,
  changed: ReadonlySet<string>,
): CallEdges {
  // A function added or removed changes edges of callers whose facts did not change (an edge
  // needs both ends), and the order of every list: build from scratch.
  const sameFunctions = facts.size === previous.order.size && [...changed].every((key) => facts.has(key) && previous.order.has(key));
  if (!sameFunctions) return buildCallEdges(facts, wrappers);
  const { order } = previous;
  const outgoing = new Map(previous.outgoing);
  const incoming = new Map(previous.incoming);
  const callers = new Map(previous.callers);
  let count = previous.count;
  // callee → the functions whose edges to it may have changed
  const touched = new Map<string, Set<string>>();
  const touch = (to: string, from: string) => {
    const set = touched.get(to);
    if (set) set.add(from);
    else touched.set(to, new Set([from]));
  };
  for (const key of changed) {
    for (const edge of previous.outgoing.get(key) ?? []) touch(edge.to, key);
    count -= previous.outgoing.get(key)?.length ?? 0;
    const list = edgesOf(facts.get(key)!, facts, wrappers);
    for (const edge of list) touch(edge.to, key);
    count += list.length;
    outgoing.set(key, list);
  }
  for (const [to, froms] of touched) {
    const from = new Set(previous.incoming.get(to) ?? []);
    for (const key of froms) from.add(key);
    const keys: string[] = [];
    const sites: CallSite[] = [];
    for (const key of [...from].sort((a, b) => order.get(a)! - order.get(b)!)) {
      for (const edge of outgoing.get(key) ?? []) {
        if (edge.to !== to) continue;
        keys.push(key);
        sites.push(edge.site);
      }
    }
    if (keys.length) {
      incoming.set(to, keys);
      callers.set(to, sites);
    } else {
      incoming.delete(to);
      callers.delete(to);
    }
  }
  return { outgoing, incoming, callers, order, count };
}

function edgesOf(f: FunctionFacts, facts: ReadonlyMap<string, FunctionFacts>, wrappers: ReadonlyMap<string, WrapperSummary>): Edge[] {
  const list: Edge[] = [];
  for (const site of f.calls) {
    for (const to of site.targets) {
      if (facts.has(to)) list.push({ site, to, lockArgs: site.lockArgs, kind: 'call' });
    }
    for (const cb of site.callbackArgs) {
      if (facts.has(cb.fn) && runsBeforeReturn(site, cb.argIndex, wrappers)) list.push({ site, to: cb.fn, lockArgs: [], kind: 'callback' });
    }
  }
  return list;
}

/** A callback argument runs before its call returns: array methods, lock APIs, wrappers that call it. */
export function runsBeforeReturn(site: CallSite, argIndex: number, wrappers: ReadonlyMap<string, WrapperSummary>): boolean {
  const external = site.external;
  if (external?.kind === 'callback-api') return external.timing === 'immediate';
  if (external?.kind === 'lock-op') return external.op.kind === 'run-callback' || external.op.kind === 'acquire';
  if (external?.kind === 'promise-combinator') return false;
  for (const target of site.targets) {
    const wrapper = wrappers.get(target);
    if (wrapper?.paramsUnderLock.has(argIndex) || wrapper?.paramsImmediate.has(argIndex)) return true;
  }
  // An unknown user function that receives a callback: assume it calls it (most helpers do).
  return site.targets.length > 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
