import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { sitesWaitedOn } from '../summaries/fixpoint.js';
import { isInside, substitute } from '../summaries/wrappers.js';
import type { CallSite, ChainLink, FunctionFacts, FunctionInfo, HeldLock, LockIdentity } from '../types.js';
import { acquisitionKey, type Acquisition, type Acquisitions, type HoldAndWait } from './hold-and-wait-types.js';
import { isSingleInstance, LockCalls } from './lock-instances.js';

const ACQUIRING = new Set(['acquire', 'run-callback', 'wait-unlock']);
/** Callbacks of a promise's own chain run before the awaited promise settles. */
const PROMISE_CHAIN = /(^|\.)(then|catch|finally)$/;
/** Nested callbacks and IIFEs are followed outwards this far, no further. */
const MAX_NESTING = 64;

/** What a function waits to acquire, as far as the fixpoint has got. */
export type AcquisitionsOf = (key: string) => Acquisitions | undefined;

/** A call through which a function constrains the entry gates of another (see `WaitingCalls.gateEntries`). */
export interface GateEntry {
  target: string;
  site: CallSite;
  /** The locks an acquiring lock API holds while it runs the target as its callback. */
  underLock?: HeldLock[];
}

/** What a gate entry adds to its caller's gates: constant for given facts. */
export interface GateContribution {
  caller: string;
  waited: boolean;
  held: string[];
  underLock: string[];
}

/** Functions whose acquisitions and events were computed, for tests: an edit must not recompute the world. */
export const holdAndWaitCounters = { acquisitionsComputed: 0, eventsComputed: 0 };

interface SiteAcquisition {
  acquisition: Acquisition;
  /** Locks held only for this part of the call: the lock a callback argument runs under. */
  extraHeld: HeldLock[];
}

interface Invoker {
  site: CallSite;
  enclosing: FunctionFacts;
}

/**
 * The per-function steps of hold-and-wait, for one analysis: what a function waits to acquire
 * given what its callees do, the hold-and-wait events of its calls, and the calls through which
 * it constrains the entry gates of others. The fixpoints that combine them live beside this
 * (hold-and-wait-acquisitions.ts, hold-and-wait-gates.ts); everything here reads facts, wrapper
 * summaries, stored callbacks and per-node checker answers only.
 */
export class WaitingCalls {
  readonly locks: LockCalls;
  private readonly invokers = new Map<string, Invoker | null>();

  constructor(
    private readonly analysis: Analysis,
    private readonly stored: ReadonlyMap<CallSite, readonly string[]>,
  ) {
    this.locks = new LockCalls(analysis);
  }

  /** The functions whose acquisitions and events of `f` read: what its calls may run. */
  dependencies(f: FunctionFacts): string[] {
    const out: string[] = [];
    for (const site of f.calls) {
      out.push(...site.targets);
      for (const cb of site.callbackArgs) out.push(cb.fn);
      const stored = this.stored.get(site);
      if (stored) out.push(...stored);
    }
    return [...new Set(out)];
  }

  // ------------------------------------------------------------ acquisitions

  /** What a function waits to acquire, walking its calls in flow order so releases are seen before what follows them. */
  acquisitionsOf(f: FunctionFacts, acquired: AcquisitionsOf): Map<string, Acquisition> {
    holdAndWaitCounters.acquisitionsComputed++;
    const result = new Map<string, Acquisition>();
    const waited = sitesWaitedOn(f);
    const dropped: LockIdentity[] = [];
    for (const site of f.calls) {
      const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
      if (op?.kind === 'release') {
        if (!site.held.some((h) => h.lock.id === op.lock.id && isInside(h.acquiredAt, f.info.node))) dropped.push(op.lock);
        continue;
      }
      if (waited.has(site)) {
        for (const { acquisition } of this.siteAcquisitions(f, site, 'summary', acquired)) {
          merge(result, dropped.length ? { ...acquisition, releasedBefore: [...acquisition.releasedBefore, ...dropped] } : acquisition);
        }
      }
      for (const target of site.targets) {
        for (const released of this.analysis.summaries.get(target)?.releasedOnExit ?? []) {
          const lock = substitute(released, site.lockArgs);
          if (lock) dropped.push(lock);
        }
      }
    }
    return result;
  }

  /**
   * What one awaited call waits to acquire. In `events` mode, callbacks written inline that the
   * walker already analysed under the caller's locks are left to their own call sites.
   */
  private siteAcquisitions(f: FunctionFacts, site: CallSite, mode: 'summary' | 'events', acquired: AcquisitionsOf): SiteAcquisition[] {
    const out: SiteAcquisition[] = [];
    const from = f.info.key;
    const external = site.external;
    if (external?.kind === 'lock-op') {
      const op = external.op;
      if (!ACQUIRING.has(op.kind) || this.locks.isTryLike(site)) return out;
      // `acquire(['stock', 'orders'], fn)` takes every key
      const locks = [op.lock, ...(op.also ?? [])];
      for (const lock of locks) {
        out.push({
          acquisition: {
            lock,
            chain: [{ from, call: site.node, operation: op.api }],
            at: site.node,
            api: op.api,
            releasedBefore: [],
            instance: this.locks.instanceAt(site.node),
            shared: this.locks.isShared(site.node),
          },
          extraHeld: [],
        });
      }
      if (op.callbackArg === undefined) return out;
      const index = op.callbackArg === -1 ? (site.node.arguments?.length ?? 0) - 1 : op.callbackArg;
      const underLock: HeldLock[] = locks.map((lock) => ({ lock, acquiredAt: site.node, via: 'callback', definite: true }));
      for (const cb of site.callbackArgs) {
        if (cb.argIndex !== index || (cb.inline && mode === 'events')) continue;
        for (const a of this.acquisitionsOfKey(cb.fn, acquired, 'callback')) {
          out.push({ acquisition: this.through(a, { from, call: site.node, to: cb.fn }, site, 'callback'), extraHeld: underLock });
        }
      }
      return out;
    }
    for (const target of site.targets) {
      for (const a of this.acquisitionsOfKey(target, acquired)) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: target }, site, 'call'), extraHeld: [] });
      }
    }
    // listeners a user structure stored and now calls
    for (const listener of this.stored.get(site) ?? []) {
      for (const a of this.acquisitionsOfKey(listener, acquired, 'callback')) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: listener }, site, 'callback'), extraHeld: [] });
      }
    }
    for (const cb of site.callbackArgs) {
      if (!this.runsBeforeSettling(site, cb.argIndex)) continue;
      if (cb.inline && mode === 'events' && this.hasContext(cb.fn, site)) continue;
      const extraHeld = this.wrapperLocks(site, cb.argIndex);
      for (const a of this.acquisitionsOfKey(cb.fn, acquired, 'callback')) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: cb.fn }, site, 'callback'), extraHeld });
      }
    }
    return out;
  }

  /** A callback's own lock parameters cannot be substituted from the call that runs it: those are dropped. */
  private acquisitionsOfKey(key: string, acquired: AcquisitionsOf, how: 'call' | 'callback' = 'call'): Acquisition[] {
    const all = [...(acquired(key)?.values() ?? [])];
    return how === 'call' ? all : all.filter((a) => a.lock.paramIndex === undefined || !ownParameter(this.analysis.functions.get(key), a.lock));
  }

  /** An acquisition of the callee, seen from the caller: parameter locks substituted, `this` mapped to the receiver. */
  private through(a: Acquisition, link: ChainLink, site: CallSite, how: 'call' | 'callback'): Acquisition {
    let lock = a.lock;
    let instance = a.instance;
    if (how === 'call' && lock.paramIndex !== undefined) {
      const arg = site.lockArgs.find((l) => l.argIndex === lock.paramIndex);
      if (arg) {
        lock = arg.lock;
        instance = this.locks.instanceOfLockExpression(arg.node as ts.Expression);
      }
    } else if (how === 'call') {
      instance = this.locks.seenFromCaller(instance, site.node);
    }
    const releasedBefore = how === 'call'
      ? a.releasedBefore.map((r) => substitute(r, site.lockArgs)).filter((r): r is LockIdentity => !!r)
      : a.releasedBefore;
    return { ...a, lock, instance, releasedBefore, chain: [link, ...a.chain] };
  }

  // ------------------------------------------------------------ events

  /** The hold-and-wait events at the calls of one function. */
  eventsOf(f: FunctionFacts, gates: ReadonlySet<string>, acquired: AcquisitionsOf): HoldAndWait[] {
    holdAndWaitCounters.eventsComputed++;
    const events: HoldAndWait[] = [];
    const waited = sitesWaitedOn(f);
    for (const site of f.calls) {
      if (!waited.has(site)) continue;
      const held = this.effectiveHeld(f, site);
      for (const { acquisition, extraHeld } of this.siteAcquisitions(f, site, 'events', acquired)) {
        const holders = [...held, ...extraHeld];
        const around = new Set([...gates, ...this.globalDefinite(holders)]);
        for (const h of holders) {
          if (acquisition.releasedBefore.some((r) => r.id === h.lock.id)) continue;
          events.push({
            site,
            function: f.info.key,
            held: h,
            heldInstance: this.locks.instanceAt(h.acquiredAt),
            heldShared: this.locks.isShared(h.acquiredAt),
            acquisition,
            gates: [...around].filter((id) => id !== h.lock.id && id !== acquisition.lock.id),
          });
        }
      }
    }
    return events;
  }

  // ------------------------------------------------------------ callbacks

  /**
   * A callback argument runs before the call's promise settles: lock APIs and wrappers run it under
   * their lock, array methods run it in place, a user function that calls its parameter, the
   * chain of a promise, and an awaited external API that is handed a function (a queue's `add`,
   * a retry helper): its result is what the caller waits for.
   */
  private runsBeforeSettling(site: CallSite, argIndex: number): boolean {
    const external = site.external;
    if (external?.kind === 'callback-api') return external.timing === 'immediate' || PROMISE_CHAIN.test(external.name);
    if (external?.kind === 'external') return external.returnsPromise;
    if (external) return false;
    return site.targets.some((t) => {
      const wrapper = this.analysis.wrappers.get(t);
      return !!wrapper && (wrapper.paramsUnderLock.has(argIndex) || wrapper.paramsImmediate.has(argIndex));
    });
  }

  /** Locks a user lock wrapper holds while it runs the callback at this argument. */
  private wrapperLocks(site: CallSite, argIndex: number): HeldLock[] {
    const out: HeldLock[] = [];
    for (const target of site.targets) {
      for (const lock of this.analysis.wrappers.get(target)?.paramsUnderLock.get(argIndex) ?? []) {
        const actual = substitute(lock, site.lockArgs);
        if (actual && !out.some((h) => h.lock.id === actual.id)) out.push({ lock: actual, acquiredAt: site.node, via: 'callback', definite: true });
      }
    }
    return out;
  }

  /** Whether an inline callback was walked with the locks held at its call (so its own call sites carry them). */
  private hasContext(cbKey: string, site: CallSite): boolean {
    const first = site.held[0];
    if (!first) return true;
    const facts = this.analysis.facts.get(cbKey);
    if (!facts || facts.calls.length === 0) return true;
    return facts.calls.some((c) => c.held.some((h) => h.acquiredAt === first.acquiredAt));
  }

  // ------------------------------------------------------------ held locks

  /**
   * The locks held at a call that stay held until the call settles. A lock taken by an enclosing
   * function is still held while an inline callback runs only if every call between them is
   * awaited; the lock a callback runs under is held until the callback settles.
   */
  private effectiveHeld(f: FunctionFacts, site: CallSite): HeldLock[] {
    return site.held.filter((h) => this.holdsThrough(f.info, h));
  }

  private holdsThrough(fn: FunctionInfo, held: HeldLock): boolean {
    let current = fn;
    for (let depth = 0; depth < MAX_NESTING && !isInside(held.acquiredAt, current.node); depth++) {
      const invoker = this.invokerOf(current);
      if (!invoker) return true;
      if (held.acquiredAt === invoker.site.node) return true;
      if (!sitesWaitedOn(invoker.enclosing).has(invoker.site)) return false;
      current = invoker.enclosing.info;
    }
    return true;
  }

  /** The call that runs a nested function written in place: its inline argument position, or an IIFE. */
  private invokerOf(fn: FunctionInfo): Invoker | undefined {
    const cached = this.invokers.get(fn.key);
    if (cached !== undefined) return cached ?? undefined;
    let found: Invoker | undefined;
    if (fn.inlineArgumentOf) {
      const enclosing = this.analysis.facts.get(fn.inlineArgumentOf.enclosing);
      const site = enclosing?.calls.find((c) => c.node === fn.inlineArgumentOf!.call);
      if (enclosing && site) found = { site, enclosing };
    } else if (!ts.isSourceFile(fn.node) && fn.node.parent) {
      const outer = this.analysis.functionAt(fn.node.parent);
      const enclosing = outer && this.analysis.facts.get(outer.key);
      const site = enclosing?.calls.find((c) => c.targets.includes(fn.key) && isInside(fn.node, c.node));
      if (enclosing && site) found = { site, enclosing };
    }
    this.invokers.set(fn.key, found ?? null);
    return found;
  }

  private globalDefinite(holders: HeldLock[]): string[] {
    return holders.filter((h) => h.definite && isSingleInstance(this.locks.instanceAt(h.acquiredAt))).map((h) => h.lock.id);
  }

  // ------------------------------------------------------------ gates

  /**
   * The function whose entry gates `f` has: itself, or for a callback written in place (or an
   * IIFE) the function it is written in, if that waits for it, transitively; `null` when a call
   * on the way is not waited for (then nothing is known to be held).
   */
  gateRoot(f: FunctionFacts): string | null {
    let current = f;
    for (let depth = 0; ; depth++) {
      const invoker = this.invokerOf(current.info);
      if (!current.info.inlineArgumentOf && !invoker) return current.info.key;
      if (!invoker || depth >= MAX_NESTING) return null;
      if (!sitesWaitedOn(invoker.enclosing).has(invoker.site)) return null;
      current = invoker.enclosing;
    }
  }

  /**
   * The calls through which `caller` constrains the entry gates of others: calls and stored
   * listeners it runs, and named callbacks it hands to a lock API (run under the lock) or to
   * something that runs them before it settles. Callbacks written inline have their caller's
   * gates instead (see `gateRoot`).
   */
  gateEntries(caller: FunctionFacts): GateEntry[] {
    const entries: GateEntry[] = [];
    for (const site of caller.calls) {
      for (const target of [...site.targets, ...(this.stored.get(site) ?? [])]) entries.push({ target, site });
      const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
      for (const cb of site.callbackArgs) {
        if (cb.inline) continue;
        if (op && ACQUIRING.has(op.kind)) {
          entries.push({ target: cb.fn, site, underLock: [op.lock, ...(op.also ?? [])].map((lock) => ({ lock, acquiredAt: site.node, via: 'callback' as const, definite: true })) });
        } else if (this.runsBeforeSettling(site, cb.argIndex)) {
          entries.push({ target: cb.fn, site });
        }
      }
    }
    return entries;
  }

  /** What one entry adds besides its caller's own gates. */
  contribution(caller: FunctionFacts, entry: GateEntry): GateContribution {
    const waited = sitesWaitedOn(caller).has(entry.site);
    return {
      caller: caller.info.key,
      waited,
      held: waited ? this.globalDefinite(this.effectiveHeld(caller, entry.site)) : [],
      underLock: entry.underLock ? this.globalDefinite(entry.underLock) : [],
    };
  }
}

/** Whether a parameter lock is a parameter of this very function (rather than of one it is nested in). */
function ownParameter(fn: FunctionInfo | undefined, lock: LockIdentity): boolean {
  if (!fn) return false;
  return [fn.name, fn.label.split('#')[1]].some((name) => !!name && lock.id.startsWith(`${name}(`));
}

/** Keeps, per lock/instance/mode, the acquisition that gave up the fewest locks on the way, then the shortest chain. */
function merge(into: Map<string, Acquisition>, a: Acquisition): void {
  const key = acquisitionKey(a);
  const existing = into.get(key);
  if (
    !existing ||
    a.releasedBefore.length < existing.releasedBefore.length ||
    (a.releasedBefore.length === existing.releasedBefore.length && a.chain.length < existing.chain.length)
  ) {
    into.set(key, a);
  }
}
