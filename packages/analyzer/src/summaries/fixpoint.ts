import ts from 'typescript';
import type {
  AcquireFact,
  BlockingFact,
  CallSite,
  ChainLink,
  FunctionFacts,
  FunctionSummary,
  LockIdentity,
  SharedAccess,
  WrapperSummary,
} from '../types.js';
import { WorkQueue } from './work-queue.js';
import { buildCallEdges, patchCallEdges, type CallEdges } from './call-edges.js';
import { reachable } from '../graph/reachable.js';
import type { AnalysisDelta } from '../analysis.js';
import { substitute, wrapperEntrySignature } from './wrappers.js';
import { StateNumbering, StateSet } from './state-set.js';

/** Why a single call site, on its own, makes the function that awaits it block. */
export function directBlockingOperation(site: CallSite, facts: ReadonlyMap<string, FunctionFacts>): string | undefined {
  const external = site.external;
  if (!external) return undefined;
  switch (external.kind) {
    case 'blocking':
      return external.operation;
    case 'lock-op':
      if (['acquire', 'run-callback', 'wait-unlock', 'condition-wait'].includes(external.op.kind)) {
        return `waiting for lock ${external.op.lock.id} (${external.op.api})`;
      }
      return undefined;
    case 'external':
      return external.returnsPromise ? `${external.module}.${external.name} (an external async API)` : undefined;
    case 'callback-api':
      // new Promise(executor): blocks when the executor hands resolve to something that calls back later
      if (external.name.endsWith('PromiseConstructor.new') || external.name === 'PromiseConstructor.new') {
        const executor = site.callbackArgs[0] && facts.get(site.callbackArgs[0].fn);
        const settler = executor?.calls.find((c) => c.calleeParam === undefined && c.external?.kind !== 'non-blocking');
        return settler ? `a promise settled by ${settler.calleeText}` : undefined;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * What one summary computation leaves for the next: an editor re-lint recomputes only the
 * summaries an edit can change.
 */
export interface SummaryGraph {
  facts: ReadonlyMap<string, FunctionFacts>;
  summaries: ReadonlyMap<string, FunctionSummary>;
  edges: CallEdges;
  /** How the summaries' state sets number the states: the next computation's sets join theirs. */
  states: StateNumbering;
}

/**
 * Computes every function's summary over the call graph: may-block with a witness chain,
 * the subsystems a blocking chain crosses, locks acquired transitively, locks held on entry,
 * and shared state read and written through callees. Each fact only grows, so a worklist
 * over reverse edges reaches the fixpoint whatever the recursion.
 *
 * Given the previous computation, only functions whose facts (or wrapper summary) changed, and
 * what depends on them, are recomputed: their callers, transitively, for what flows up (may-block,
 * acquires, state), and their callees, transitively, for what flows down (locks held on entry).
 * Every other summary is the previous one. A witness chain found this way can differ from the one
 * a computation from scratch picks when several exist; either is a real chain.
 */
export function computeSummaries(
  facts: ReadonlyMap<string, FunctionFacts>,
  wrappers: ReadonlyMap<string, WrapperSummary>,
  subsystemOf: (key: string) => string,
  /**
   * The previous computation; `formerFacts` holds what the functions whose facts differ had
   * before, when the facts map was updated in place (same functions in the same order; else the
   * two maps are compared, and the call edges built afresh in the new order). Its maps
   * are updated in place where the functions are the same. `wrappersBefore` holds what the
   * wrapper summaries recomputed since were before (the wrapper map is updated in place too).
   */
  previous?: { graph: SummaryGraph; formerFacts?: ReadonlyMap<string, FunctionFacts>; wrappersBefore: ReadonlyMap<string, WrapperSummary | undefined> },
): {
  summaries: Map<string, FunctionSummary>;
  callers: ReadonlyMap<string, CallSite[]>;
  edges: number;
  graph: SummaryGraph;
  recomputed: number;
  /** What changed since `previous`, when there was one. */
  delta?: AnalysisDelta;
} {
  const before = previous?.graph;
  const { changed, former } = changedSince(facts, wrappers, before, previous?.formerFacts, previous?.wrappersBefore);
  // Patching keeps the previous order: only when the facts map was updated in place (same functions, same order).
  const patched = before && previous.formerFacts && patchCallEdges(facts, wrappers, before.edges, changed);
  const edges = patched?.edges ?? buildCallEdges(facts, wrappers);
  const { outgoing, incoming, callers, order } = edges;
  const delta = !before
    ? undefined
    : { ...(patched ? affectedBy(changed, edges, { formerTargets: patched.formerTargets }) : affectedBy(changed, edges, { edges: before.edges })), former, sameOrder: !!patched };
  const up = delta?.up ?? changed;
  const down = delta?.down ?? changed;
  // the facts' order, as a computation from scratch visits them: witness chains depend on it
  const inOrder = (keys: Iterable<string>) => [...keys].filter((key) => order.has(key)).sort((a, b) => order.get(a)! - order.get(b)!);
  // Every summary the edit cannot reach is the previous one, and with the same functions the
  // previous map is updated in place (its order is the facts' order).
  const summaries = patched ? (before.summaries as Map<string, FunctionSummary>) : new Map<string, FunctionSummary>();
  // summaries kept from the previous computation hold sets numbered by its numbering
  const states = before?.states ?? new StateNumbering();
  const stateSet = (accesses: readonly SharedAccess[]) => {
    const set = new StateSet(states);
    // a constructor's own new object is no state a caller shares
    for (const access of accesses) if (!access.initialises) set.add(access.state);
    return set;
  };
  for (const key of patched ? inOrder(new Set([...up, ...down])) : facts.keys()) {
    const f = facts.get(key)!;
    const old = before?.summaries.get(key);
    if (old && !up.has(key)) {
      // what flows up is unchanged; what flows down is recomputed into a fresh map
      summaries.set(key, down.has(key) ? { ...old, heldOnEntry: new Map() } : old);
      continue;
    }
    const wrapper = wrappers.get(key);
    summaries.set(key, {
      key,
      mayBlock: undefined,
      blockingThrough: new Map(),
      acquires: new Map(),
      heldOnExit: wrapper?.heldOnExit ?? [],
      releasedOnExit: wrapper?.releasedOnExit ?? [],
      returnsLockValue: f.returns[0],
      params: [
        ...[...(wrapper?.paramsUnderLock ?? [])].map(([index, locks]) => ({ index, invocation: { mode: 'under-lock' as const, locks, via: wrapper?.at ?? f.info.node } })),
        ...[...(wrapper?.paramsImmediate ?? [])].map((index) => ({ index, invocation: { mode: 'immediate' as const } })),
      ],
      heldOnEntry: down.has(key) || !old ? new Map() : old.heldOnEntry,
      reads: stateSet(f.reads),
      writes: stateSet(f.writes),
    });
  }

  const worklist = new WorkQueue(inOrder(up));
  const enqueueCallers = (key: string) => {
    for (const caller of incoming.get(key) ?? []) worklist.add(caller);
  };
  while (worklist.size) {
    const key = worklist.take();
    const f = facts.get(key)!;
    const summary = summaries.get(key)!;
    let changed = false;
    const waited = sitesWaitedOn(f);
    const nonBlocking = f.info.tags.has('nonBlocking');

    // may-block
    if (!nonBlocking) {
      const own = subsystemOf(key);
      const addThrough = (subsystem: string, chain: ChainLink[]) => {
        if (!summary.blockingThrough.has(subsystem)) {
          summary.blockingThrough.set(subsystem, { chain });
          changed = true;
        }
      };
      if (f.info.tags.has('blocking') && !summary.mayBlock) {
        summary.mayBlock = { chain: [{ from: key, call: f.info.node, operation: 'documented @blocking' }] };
        addThrough(own, summary.mayBlock.chain);
        changed = true;
      }
      for (const site of waited) {
        const operation = directBlockingOperation(site, facts);
        if (operation) {
          const chain: ChainLink[] = [{ from: key, call: site.node, operation }];
          if (!summary.mayBlock) {
            summary.mayBlock = { chain };
            changed = true;
          }
          addThrough(own, chain);
        }
      }
      for (const edge of outgoing.get(key) ?? []) {
        // a callback inside an awaited combinator (`Promise.all(xs.map(cb))`) counts through its site
        if (!waited.has(edge.site) && !(edge.kind === 'callback' && isInsideAny(edge.site.node, waited))) continue;
        const callee = summaries.get(edge.to)!;
        if (!callee.mayBlock) continue;
        const link: ChainLink = { from: key, call: edge.site.node, to: edge.to };
        if (!summary.mayBlock) {
          summary.mayBlock = { chain: [link, ...callee.mayBlock.chain] };
          changed = true;
        }
        addThrough(own, [link, ...callee.mayBlock.chain]);
        for (const [subsystem, fact] of callee.blockingThrough) addThrough(subsystem, [link, ...fact.chain]);
      }
    }

    // transitive acquires
    for (const op of f.lockOps) {
      if (!['acquire', 'try-acquire', 'run-callback'].includes(op.op.kind)) continue;
      if (!summary.acquires.has(op.op.lock.id)) {
        summary.acquires.set(op.op.lock.id, { lock: op.op.lock, chain: [{ from: key, call: op.node, operation: op.op.api }] });
        changed = true;
      }
    }
    for (const edge of outgoing.get(key) ?? []) {
      const callee = summaries.get(edge.to)!;
      for (const fact of callee.acquires.values()) {
        const lock = edge.kind === 'call' ? substitute(fact.lock, edge.lockArgs) : fact.lock;
        if (!lock || summary.acquires.has(lock.id)) continue;
        summary.acquires.set(lock.id, { lock, chain: [{ from: key, call: edge.site.node, to: edge.to }, ...fact.chain] } satisfies AcquireFact);
        changed = true;
      }
      // shared state through callees that run before the call returns
      if ((summary.reads as StateSet).addAll(callee.reads)) changed = true;
      if ((summary.writes as StateSet).addAll(callee.writes)) changed = true;
    }
    if (changed) enqueueCallers(key);
  }

  propagateHeldOnEntry(summaries, outgoing, incoming, down, inOrder);
  // The order locks were found in depends on the order functions were visited, which an update
  // after an edit does not share with a computation from scratch: keep them by lock id.
  for (const key of down) {
    const summary = summaries.get(key);
    if (summary && summary.heldOnEntry.size > 1) {
      const sorted = [...summary.heldOnEntry].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      summary.heldOnEntry.clear();
      for (const [id, entry] of sorted) summary.heldOnEntry.set(id, entry);
    }
  }
  return {
    summaries,
    callers,
    edges: edges.count,
    graph: { facts, summaries, edges, states },
    recomputed: up.size,
    delta,
  };
}

/**
 * The functions whose facts or wrapper summary changed since the previous computation (without
 * one, every function).
 */
function changedSince(
  facts: ReadonlyMap<string, FunctionFacts>,
  wrappers: ReadonlyMap<string, WrapperSummary>,
  previous: SummaryGraph | undefined,
  formerFacts: ReadonlyMap<string, FunctionFacts> | undefined,
  wrappersBefore: ReadonlyMap<string, WrapperSummary | undefined> | undefined,
): { changed: Set<string>; former: ReadonlyMap<string, FunctionFacts> } {
  if (!previous) return { changed: new Set(facts.keys()), former: new Map() };
  const changed = new Set<string>(formerFacts?.keys());
  let former = formerFacts;
  if (!former) {
    const compared = new Map<string, FunctionFacts>();
    for (const [key, f] of facts) {
      const before = previous.facts.get(key);
      if (before === f) continue;
      changed.add(key);
      if (before) compared.set(key, before);
    }
    for (const [key, f] of previous.facts) {
      if (facts.has(key)) continue;
      changed.add(key);
      compared.set(key, f);
    }
    former = compared;
  }
  for (const [key, before] of wrappersBefore ?? []) {
    const now = wrappers.get(key);
    if (now === before || (wrapperEntrySignature(now) === wrapperEntrySignature(before) && now?.at === before?.at)) continue;
    // a wrapper decides which callbacks of its callers run before the call returns: the callers' edges change too
    // (callers whose facts changed are in already, whatever they call now)
    changed.add(key);
    for (const caller of previous.edges.incoming.get(key) ?? []) changed.add(caller);
  }
  return { changed, former };
}

/**
 * The functions whose summaries an edit can change. `up`: the changed ones and their callers,
 * transitively (may-block, acquires and state flow up). `down`: the changed ones and their
 * callees, transitively (locks held on entry flow down). Both over the old and the new edges:
 * given the previous edges, over both; after an update in place, the old edges that differ are
 * those of the changed functions, so their former targets join what flows down (callers' edges
 * to anything are the same as before unless the caller changed).
 */
function affectedBy(
  changed: Set<string>,
  edges: CallEdges,
  before: { edges: CallEdges } | { formerTargets: ReadonlySet<string> },
): Pick<AnalysisDelta, 'changed' | 'up' | 'down'> {
  const previous = 'edges' in before ? before.edges : undefined;
  const up = reachable(changed, function* (key) {
    yield* edges.incoming.get(key) ?? [];
    if (previous) yield* previous.incoming.get(key) ?? [];
  });
  const down = reachable('formerTargets' in before ? [...changed, ...before.formerTargets] : changed, function* (key) {
    for (const edge of edges.outgoing.get(key) ?? []) yield edge.to;
    if (previous) for (const edge of previous.outgoing.get(key) ?? []) yield edge.to;
  });
  return { changed, up, down };
}

/** Locks held on entry: what every caller holds at its call, transitively. Computed top-down. */
function propagateHeldOnEntry(
  summaries: Map<string, FunctionSummary>,
  outgoing: CallEdges['outgoing'],
  incoming: CallEdges['incoming'],
  down: ReadonlySet<string>,
  inOrder: (keys: Iterable<string>) => string[],
): void {
  // the functions to recompute, and the callers outside them whose calls feed them
  const feeding = new Set<string>();
  for (const key of down) for (const caller of incoming.get(key) ?? []) if (!down.has(caller)) feeding.add(caller);
  const worklist = new WorkQueue(inOrder(new Set([...down, ...feeding])));
  while (worklist.size) {
    const key = worklist.take();
    const summary = summaries.get(key)!;
    for (const edge of outgoing.get(key) ?? []) {
      if (!down.has(edge.to)) continue;
      const target = summaries.get(edge.to)!;
      let changed = false;
      const link: ChainLink = { from: key, call: edge.site.node, to: edge.to };
      const add = (lock: LockIdentity, via: ChainLink[]) => {
        if (lock.paramIndex !== undefined) return;
        if (!target.heldOnEntry.has(lock.id)) {
          target.heldOnEntry.set(lock.id, { lock, via });
          changed = true;
        }
      };
      for (const held of edge.site.held) add(held.lock, [link]);
      for (const entry of summary.heldOnEntry.values()) add(entry.lock, [...entry.via, link]);
      if (changed) worklist.add(edge.to);
    }
  }
}

/**
 * Calls whose completion the function waits for: awaited, returned, yielded, or nested inside
 * an awaited expression (`await Promise.all(xs.map(x => save(x)))`), or stored in a local that
 * is awaited later.
 */
const waitedCache = new WeakMap<FunctionFacts, Set<CallSite>>();

export function sitesWaitedOn(f: FunctionFacts): Set<CallSite> {
  // asked by the fixpoint and again by rules: facts never change once walked
  let waited = waitedCache.get(f);
  if (waited) return waited;
  waited = computeSitesWaitedOn(f);
  waitedCache.set(f, waited);
  return waited;
}

function computeSitesWaitedOn(f: FunctionFacts): Set<CallSite> {
  const waited = new Set<CallSite>();
  const awaitedRanges: ts.Node[] = [];
  for (const y of f.yields) {
    if (ts.isAwaitExpression(y.node) || ts.isYieldExpression(y.node)) {
      const operand = y.node.expression;
      if (operand) awaitedRanges.push(operand);
      // await p, where `const p = call()` earlier
      if (operand && ts.isIdentifier(operand)) {
        const init = localInitializer(operand);
        if (init) awaitedRanges.push(init);
      }
    }
  }
  for (const site of f.calls) {
    if (site.awaited || site.returned) waited.add(site);
    else if (awaitedRanges.some((range) => site.node.pos >= range.pos && site.node.end <= range.end)) waited.add(site);
  }
  return waited;
}

function localInitializer(identifier: ts.Identifier): ts.Expression | undefined {
  // Resolution without a checker: the nearest preceding `const name = init` in an enclosing block.
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    if (ts.isBlock(scope) || ts.isSourceFile(scope)) {
      for (const statement of scope.statements) {
        if (statement.pos >= identifier.pos) break;
        if (!ts.isVariableStatement(statement)) continue;
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.name.text === identifier.text && d.initializer) return d.initializer;
        }
      }
    }
    if (ts.isFunctionLike(scope)) break;
  }
  return undefined;
}

function isInsideAny(node: ts.Node, sites: Set<CallSite>): boolean {
  for (const site of sites) if (node.pos >= site.node.pos && node.end <= site.node.end) return true;
  return false;
}

export type { BlockingFact };
