import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isModuleLevel, resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { hasModifier } from '../graph/functions.js';
import { relativePosix } from '../report/location.js';
import { sitesWaitedOn } from '../summaries/fixpoint.js';
import { storedCallbackTargets } from './stored-callbacks.js';
import { isInside, substitute } from '../summaries/wrappers.js';
import type { CallSite, ChainLink, FunctionFacts, FunctionInfo, HeldLock, LockIdentity } from '../types.js';
import { WorkQueue } from '../summaries/work-queue.js';
import { factsInScope, scopeKey, type FileScope } from './scope.js';
import { symbolAt } from '../flow/symbols.js';

/**
 * Which object a lock lives in, as far as the two ends of a nesting can be compared. Lock
 * identities are per class (`Class#field`); the instance is a path from a root object:
 * `global` for locks that exist once (module bindings, static fields, keyed names, files),
 * `this`, `this::pdf:PdfRenderer::footer:Footer` (each field with its declared class),
 * `binding:src/a.ts#registry`, `local:<function>#from`, or
 * `unknown`. Two ends are different locks only when their roots are different objects named
 * directly (`from.mu` and `to.mu`, `this.mu` and `other.mu`); through fields, the program
 * may have wired the same object in (`new Footer(this)`), so the class identity stands.
 */
export type LockInstance = string;

/** A lock a function waits to acquire when it is called and awaited, with the path to the acquiring call. */
export interface Acquisition {
  lock: LockIdentity;
  /** From the function (or call site) the acquisition is seen from, to the acquiring call; the last link names the API. */
  chain: ChainLink[];
  /** The lock API call that acquires. */
  at: ts.Node;
  api: string;
  /** Locks given up on the way (released without having been taken there): a holder of these no longer holds them. */
  releasedBefore: LockIdentity[];
  instance: LockInstance;
  /** A shared-mode acquisition (Web Locks `mode: 'shared'`). */
  shared: boolean;
}

/** A call made while holding a lock, that waits for the acquisition of a lock: one edge of hold-and-wait. */
export interface HoldAndWait {
  /** The call made while `held` is held (the outermost point where both ends meet). */
  site: CallSite;
  function: string;
  held: HeldLock;
  heldInstance: LockInstance;
  heldShared: boolean;
  /** What the call waits for; its chain starts at `site`. */
  acquisition: Acquisition;
  /**
   * Other locks definitely held around this wait, on every path into it (including every caller's):
   * code that only runs under one of them is serialized by it, whatever it nests inside.
   */
  gates: string[];
}

export interface HoldAndWaitResult {
  /** Per function: what it waits to acquire when awaited (keyed by lock id, instance and mode). */
  acquisitions: ReadonlyMap<string, ReadonlyMap<string, Acquisition>>;
  events: readonly HoldAndWait[];
  /** Per function: global locks held by every path that reaches it. */
  entryGates: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Separates the fields of an instance path from its root (roots contain dots and slashes). */
const FIELD = '::';
const ACQUIRING = new Set(['acquire', 'run-callback', 'wait-unlock']);
/** Callbacks of a promise's own chain run before the awaited promise settles. */
const PROMISE_CHAIN = /(^|\.)(then|catch|finally)$/;

const cache = new WeakMap<Analysis, { builder: HoldAndWaitBuilder; entryGates: ReadonlyMap<string, ReadonlySet<string>>; results: Map<string, HoldAndWaitResult> }>();

/**
 * Every point where code holds a lock and waits for another acquisition (or the same one),
 * interprocedurally: held locks at a call × what the call waits to acquire. Unlike the
 * summaries' `acquires`, only acquisitions the holder actually waits for count: a call that
 * is not awaited, a callback scheduled for later, a lock released by a callee before it
 * acquires, cannot make the holder wait. Posted callbacks whose result an awaited call
 * carries (a concurrency-1 queue, `then`) do count.
 *
 * What each function waits to acquire is computed for the whole program once per analysis;
 * with a scope, only the events at call sites in its files are listed.
 */
export function holdAndWait(analysis: Analysis, scope?: FileScope): HoldAndWaitResult {
  let entry = cache.get(analysis);
  if (!entry) {
    const builder = new HoldAndWaitBuilder(analysis);
    builder.computeAcquisitions();
    entry = { builder, entryGates: builder.computeEntryGates(), results: new Map() };
    cache.set(analysis, entry);
  }
  const key = scopeKey(scope);
  let result = entry.results.get(key);
  if (!result) {
    result = { acquisitions: entry.builder.acquisitionsByFunction, events: entry.builder.events(entry.entryGates, factsInScope(analysis, scope)), entryGates: entry.entryGates };
    entry.results.set(key, result);
  }
  return result;
}

interface SiteAcquisition {
  acquisition: Acquisition;
  /** Locks held only for this part of the call: the lock a callback argument runs under. */
  extraHeld: HeldLock[];
}

class HoldAndWaitBuilder {
  private readonly waited = new Map<string, Set<CallSite>>();
  private readonly siteByNode = new Map<ts.Node, CallSite>();
  private readonly invokers = new Map<string, { site: CallSite; enclosing: FunctionFacts } | null>();
  private readonly acquisitions = new Map<string, Map<string, Acquisition>>();
  private readonly stored: ReadonlyMap<CallSite, readonly string[]>;

  constructor(private readonly analysis: Analysis) {
    this.stored = storedCallbackTargets(analysis);
    for (const f of analysis.facts.values()) for (const site of f.calls) this.siteByNode.set(site.node, site);
  }

  get acquisitionsByFunction(): ReadonlyMap<string, ReadonlyMap<string, Acquisition>> {
    return this.acquisitions;
  }

  events(entryGates: ReadonlyMap<string, ReadonlySet<string>>, functions: Iterable<FunctionFacts>): HoldAndWait[] {
    const events: HoldAndWait[] = [];
    for (const f of functions) {
      const waited = this.waitedOf(f);
      const gates = entryGates.get(f.info.key) ?? new Set<string>();
      for (const site of f.calls) {
        if (!waited.has(site)) continue;
        const held = this.effectiveHeld(f, site);
        for (const { acquisition, extraHeld } of this.siteAcquisitions(f, site, 'events')) {
          const holders = [...held, ...extraHeld];
          const around = new Set([...gates, ...this.globalDefinite(holders)]);
          for (const h of holders) {
            if (acquisition.releasedBefore.some((r) => r.id === h.lock.id)) continue;
            events.push({
              site,
              function: f.info.key,
              held: h,
              heldInstance: this.heldInstance(h),
              heldShared: this.isShared(h.acquiredAt),
              acquisition,
              gates: [...around].filter((id) => id !== h.lock.id && id !== acquisition.lock.id),
            });
          }
        }
      }
    }
    return events;
  }

  // ------------------------------------------------------------ per-function acquisitions

  computeAcquisitions(): void {
    const dependents = new Map<string, Set<string>>();
    for (const [key, f] of this.analysis.facts) {
      this.acquisitions.set(key, new Map());
      for (const site of f.calls) {
        for (const callee of [...site.targets, ...site.callbackArgs.map((c) => c.fn), ...(this.stored.get(site) ?? [])]) {
          const set = dependents.get(callee) ?? new Set<string>();
          set.add(key);
          dependents.set(callee, set);
        }
      }
    }
    const worklist = new WorkQueue(this.analysis.facts.keys());
    while (worklist.size) {
      const key = worklist.take();
      const f = this.analysis.facts.get(key)!;
      const next = this.acquisitionsOf(f);
      const previous = this.acquisitions.get(key)!;
      if (signature(next) !== signature(previous)) {
        this.acquisitions.set(key, next);
        for (const dependent of dependents.get(key) ?? []) worklist.add(dependent);
      }
    }
  }

  /** What a function waits to acquire, walking its calls in flow order so releases are seen before what follows them. */
  private acquisitionsOf(f: FunctionFacts): Map<string, Acquisition> {
    const result = new Map<string, Acquisition>();
    const waited = this.waitedOf(f);
    const dropped: LockIdentity[] = [];
    for (const site of f.calls) {
      const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
      if (op?.kind === 'release') {
        if (!site.held.some((h) => h.lock.id === op.lock.id && isInside(h.acquiredAt, f.info.node))) dropped.push(op.lock);
        continue;
      }
      if (waited.has(site)) {
        for (const { acquisition } of this.siteAcquisitions(f, site, 'summary')) {
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
  private siteAcquisitions(f: FunctionFacts, site: CallSite, mode: 'summary' | 'events'): SiteAcquisition[] {
    const out: SiteAcquisition[] = [];
    const from = f.info.key;
    const external = site.external;
    if (external?.kind === 'lock-op') {
      const op = external.op;
      if (!ACQUIRING.has(op.kind) || this.isTryLike(site)) return out;
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
            instance: this.instanceAt(site.node),
            shared: this.isShared(site.node),
          },
          extraHeld: [],
        });
      }
      if (op.callbackArg === undefined) return out;
      const index = op.callbackArg === -1 ? (site.node.arguments?.length ?? 0) - 1 : op.callbackArg;
      const underLock: HeldLock[] = locks.map((lock) => ({ lock, acquiredAt: site.node, via: 'callback', definite: true }));
      for (const cb of site.callbackArgs) {
        if (cb.argIndex !== index || (cb.inline && mode === 'events')) continue;
        for (const a of this.acquisitionsOfKey(cb.fn, 'callback')) {
          out.push({ acquisition: this.through(a, { from, call: site.node, to: cb.fn }, site, 'callback'), extraHeld: underLock });
        }
      }
      return out;
    }
    for (const target of site.targets) {
      for (const a of this.acquisitionsOfKey(target)) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: target }, site, 'call'), extraHeld: [] });
      }
    }
    // listeners a user structure stored and now calls
    for (const listener of this.stored.get(site) ?? []) {
      for (const a of this.acquisitionsOfKey(listener, 'callback')) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: listener }, site, 'callback'), extraHeld: [] });
      }
    }
    for (const cb of site.callbackArgs) {
      if (!this.runsBeforeSettling(site, cb.argIndex)) continue;
      if (cb.inline && mode === 'events' && this.hasContext(cb.fn, site)) continue;
      const extraHeld = this.wrapperLocks(site, cb.argIndex);
      for (const a of this.acquisitionsOfKey(cb.fn, 'callback')) {
        out.push({ acquisition: this.through(a, { from, call: site.node, to: cb.fn }, site, 'callback'), extraHeld });
      }
    }
    return out;
  }

  /** A callback's own lock parameters cannot be substituted from the call that runs it: those are dropped. */
  private acquisitionsOfKey(key: string, how: 'call' | 'callback' = 'call'): Acquisition[] {
    const all = [...(this.acquisitions.get(key)?.values() ?? [])];
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
        instance = this.instanceOfLockExpression(arg.node as ts.Expression);
      }
    } else if (how === 'call') {
      instance = this.seenFromCaller(instance, site.node);
    }
    const releasedBefore = how === 'call'
      ? a.releasedBefore.map((r) => substitute(r, site.lockArgs)).filter((r): r is LockIdentity => !!r)
      : a.releasedBefore;
    return { ...a, lock, instance, releasedBefore, chain: [link, ...a.chain] };
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
    for (let depth = 0; depth < 64 && !isInside(held.acquiredAt, current.node); depth++) {
      const invoker = this.invokerOf(current);
      if (!invoker) return true;
      if (held.acquiredAt === invoker.site.node) return true;
      if (!this.waitedOf(invoker.enclosing).has(invoker.site)) return false;
      current = invoker.enclosing.info;
    }
    return true;
  }

  /** The call that runs a nested function written in place: its inline argument position, or an IIFE. */
  private invokerOf(fn: FunctionInfo): { site: CallSite; enclosing: FunctionFacts } | undefined {
    const cached = this.invokers.get(fn.key);
    if (cached !== undefined) return cached ?? undefined;
    let found: { site: CallSite; enclosing: FunctionFacts } | undefined;
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

  private waitedOf(f: FunctionFacts): Set<CallSite> {
    let set = this.waited.get(f.info.key);
    if (!set) {
      set = sitesWaitedOn(f);
      this.waited.set(f.info.key, set);
    }
    return set;
  }

  // ------------------------------------------------------------ gates

  /**
   * Global locks held on every path into each function (a greatest fixpoint over callers): what
   * serializes everything the function does. Functions nobody calls are entry points: nothing.
   */
  computeEntryGates(): Map<string, Set<string>> {
    const callers = new Map<string, { site: CallSite; caller: FunctionFacts; underLock?: HeldLock[] }[]>();
    for (const f of this.analysis.facts.values()) {
      for (const site of f.calls) {
        for (const target of [...site.targets, ...(this.stored.get(site) ?? [])]) push(callers, target, { site, caller: f });
        const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
        for (const cb of site.callbackArgs) {
          if (cb.inline) continue;
          if (op && ACQUIRING.has(op.kind)) {
            push(callers, cb.fn, { site, caller: f, underLock: [op.lock, ...(op.also ?? [])].map((lock) => ({ lock, acquiredAt: site.node, via: 'callback' as const, definite: true })) });
          } else if (this.runsBeforeSettling(site, cb.argIndex)) {
            push(callers, cb.fn, { site, caller: f });
          }
        }
      }
    }
    // undefined stands for "every lock" (not yet constrained) until the fixpoint settles.
    const gates = new Map<string, Set<string> | undefined>();
    for (const [key, f] of this.analysis.facts) {
      if (!f.info.inlineArgumentOf) gates.set(key, callers.has(key) ? undefined : new Set());
    }
    const gatesOf = (f: FunctionFacts, depth = 0): Set<string> | undefined => {
      if (!f.info.inlineArgumentOf && !this.invokerOf(f.info)) return gates.get(f.info.key);
      if (!f.info.inlineArgumentOf) {
        // an IIFE: the function it is written in, if it waits for it
        const invoker = this.invokerOf(f.info)!;
        return this.waitedOf(invoker.enclosing).has(invoker.site) && depth < 64 ? gatesOf(invoker.enclosing, depth + 1) : new Set();
      }
      const invoker = this.invokerOf(f.info);
      if (!invoker || depth >= 64) return new Set();
      return this.waitedOf(invoker.enclosing).has(invoker.site) ? gatesOf(invoker.enclosing, depth + 1) : new Set();
    };
    // What each call contributes besides its caller's gates does not change between rounds.
    const constrained: [string, { caller: FunctionFacts; waited: boolean; held: string[]; underLock: string[] }[]][] = [];
    for (const [key, entries] of callers) {
      const f = this.analysis.facts.get(key);
      if (!f || f.info.inlineArgumentOf || !gates.has(key)) continue;
      constrained.push([
        key,
        entries.map(({ site, caller, underLock }) => {
          const waited = this.waitedOf(caller).has(site);
          return { caller, waited, held: waited ? this.globalDefinite(this.effectiveHeld(caller, site)) : [], underLock: underLock ? this.globalDefinite(underLock) : [] };
        }),
      ]);
    }
    for (let changed = true, round = 0; changed && round < 100; round++) {
      changed = false;
      for (const [key, entries] of constrained) {
        let meet: Set<string> | undefined;
        for (const { caller, waited, held, underLock } of entries) {
          let contribution: Set<string> | undefined;
          if (waited) {
            const outer = gatesOf(caller);
            if (outer === undefined) continue;
            contribution = new Set([...outer, ...held]);
          } else {
            contribution = new Set();
          }
          for (const id of underLock) contribution.add(id);
          meet = meet === undefined ? contribution : new Set([...meet].filter((id) => contribution!.has(id)));
        }
        const previous = gates.get(key);
        if (meet === undefined) continue;
        if (previous === undefined || previous.size !== meet.size || [...previous].some((id) => !meet!.has(id))) {
          gates.set(key, meet);
          changed = true;
        }
      }
    }
    const result = new Map<string, Set<string>>();
    for (const f of this.analysis.facts.values()) result.set(f.info.key, gatesOf(f) ?? new Set());
    return result;
  }

  private globalDefinite(holders: HeldLock[]): string[] {
    return holders.filter((h) => h.definite && isSingleInstance(this.heldInstance(h))).map((h) => h.lock.id);
  }

  // ------------------------------------------------------------ lock semantics at a call

  /** Try-style acquisitions fail instead of waiting: Web Locks `ifAvailable`/`steal`, async-mutex `tryAcquire(lock)`. */
  private isTryLike(site: CallSite): boolean {
    const node = site.node;
    const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
    if (op?.lock.library === 'web-locks') {
      const options = webLockOptions(node);
      return options.has('ifAvailable') || options.has('steal');
    }
    const callee = stripExpression(node.expression);
    const receiver = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
    return !!receiver && this.isTryDecorated(receiver);
  }

  private isTryDecorated(expr: ts.Expression, depth = 0): boolean {
    const e = stripExpression(expr);
    if (ts.isCallExpression(e)) {
      const declaration = this.declarationOf(e);
      return !!declaration && declarationName(declaration) === 'tryAcquire' && /[\\/]async-mutex[\\/]/.test(declaration.getSourceFile().fileName);
    }
    if (ts.isIdentifier(e) && depth < 4) {
      const declaration = resolveAlias(this.analysis.checker, symbolAt(this.analysis.checker, e))?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return this.isTryDecorated(declaration.initializer, depth + 1);
    }
    return false;
  }

  private isShared(node: ts.Node): boolean {
    const site = this.siteByNode.get(node);
    const op = site?.external?.kind === 'lock-op' ? site.external.op : undefined;
    return op?.lock.library === 'web-locks' && webLockOptions(site!.node).get('mode') === 'shared';
  }

  private heldInstance(held: HeldLock): LockInstance {
    return this.instanceAt(held.acquiredAt);
  }

  /** The instance a lock acquired (or a callback run) at this node lives in. */
  private instanceAt(node: ts.Node): LockInstance {
    return this.analysis.memo('lock-instance', node, () => this.computeInstanceAt(node));
  }

  private computeInstanceAt(node: ts.Node): LockInstance {
    let instance: LockInstance = 'global';
    if (ts.isVariableDeclaration(node) && node.initializer) {
      // `await using h = await lock.acquire()`
      let init = stripExpression(node.initializer);
      if (ts.isAwaitExpression(init)) init = stripExpression(init.expression);
      instance = ts.isCallExpression(init) ? this.instanceAt(init) : 'global';
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const site = this.siteByNode.get(node);
      const callee = stripExpression(node.expression);
      const op = site?.external?.kind === 'lock-op' ? site.external.op : undefined;
      if (op) {
        if (op.api.endsWith('()')) instance = this.instanceOfLockExpression(callee);
        else if (op.api.startsWith(`${op.lock.library}.`)) instance = 'global';
        else if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) instance = this.instanceOfLockExpression(this.undecorated(callee.expression));
      } else {
        // a user lock wrapper: its lock is a field of the receiver, or global
        instance = this.receiverInstance(node);
      }
    }
    return instance;
  }

  /** `withTimeout(this.mu, 100)` is `this.mu`. */
  private undecorated(expr: ts.Expression): ts.Expression {
    const e = stripExpression(expr);
    if (ts.isCallExpression(e) && e.arguments.length > 0) {
      const declaration = this.declarationOf(e);
      if (declaration && /[\\/]async-mutex[\\/]/.test(declaration.getSourceFile().fileName)) return this.undecorated(e.arguments[0]!);
    }
    return e;
  }

  /** The instance of `this.mu`, `registry.mu`, `mu`: per-instance only for fields of a class. */
  private instanceOfLockExpression(expression: ts.Expression, depth = 0): LockInstance {
    const e = stripExpression(expression);
    const checker = this.analysis.checker;
    if (ts.isIdentifier(e) && depth < 6) {
      const declaration = resolveAlias(checker, symbolAt(checker, e))?.valueDeclaration;
      const init = declaration && ts.isVariableDeclaration(declaration) && !isModuleLevel(declaration) ? localAlias(declaration) : undefined;
      return init ? this.instanceOfLockExpression(init, depth + 1) : 'global';
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const nameNode = ts.isPropertyAccessExpression(e) ? e.name : e.argumentExpression;
      const declaration = symbolAt(checker, nameNode)?.valueDeclaration;
      if (!declaration || !isInstanceMember(declaration)) return 'global';
      return this.objectPath(e.expression);
    }
    return 'global';
  }

  /** The receiver of a method call as an instance path: `this`, a module singleton, a local, or unknown. */
  private receiverInstance(call: ts.CallExpression | ts.NewExpression): LockInstance {
    const callee = stripExpression(call.expression);
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) return this.objectPath(callee.expression);
    return 'global';
  }

  /** An instance the callee names relative to its own `this`, seen from the call: `this` becomes the receiver. */
  private seenFromCaller(instance: LockInstance, call: ts.CallExpression | ts.NewExpression): LockInstance {
    if (instance.startsWith('local:')) return 'unknown';
    if (instance !== 'this' && !instance.startsWith(`this${FIELD}`)) return instance;
    const callee = stripExpression(call.expression);
    if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) return 'unknown';
    const receiver = this.objectPath(callee.expression);
    return receiver === 'unknown' ? receiver : bounded(receiver + instance.slice('this'.length));
  }

  private objectPath(expression: ts.Expression, depth = 0): LockInstance {
    // The same receivers are seen from every round of the acquisitions fixpoint.
    if (depth > 0) return this.computeObjectPath(expression, depth);
    return this.analysis.memo('object-path', expression, () => this.computeObjectPath(expression, 0));
  }

  private computeObjectPath(expression: ts.Expression, depth: number): LockInstance {
    const e = stripExpression(expression);
    if (e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.SuperKeyword) return 'this';
    if (depth > 8) return 'unknown';
    if (ts.isIdentifier(e)) {
      const declaration = resolveAlias(this.analysis.checker, symbolAt(this.analysis.checker, e))?.valueDeclaration;
      if (!declaration) return 'unknown';
      const file = relativePosix(this.analysis.options.rootDir, declaration.getSourceFile().fileName);
      if (ts.isVariableDeclaration(declaration) && isModuleLevel(declaration)) return `binding:${file}#${e.text}`;
      const alias = ts.isVariableDeclaration(declaration) ? localAlias(declaration) : undefined;
      if (alias) return this.objectPath(alias, depth + 1);
      if (ts.isVariableDeclaration(declaration) || ts.isParameter(declaration)) {
        return `local:${this.analysis.functionAt(declaration)?.key ?? file}#${e.text}`;
      }
      return 'unknown';
    }
    if (ts.isPropertyAccessExpression(e)) {
      const inner = this.objectPath(e.expression, depth + 1);
      return inner === 'unknown' ? inner : bounded(`${inner}${FIELD}${e.name.text}:${this.typeName(e)}`);
    }
    return 'unknown';
  }

  /** The class (or interface) an object expression is declared as, for instance paths. */
  private typeName(expression: ts.Expression): string {
    try {
      const checker = this.analysis.checker;
      return checker.getNonNullableType(checker.getTypeAtLocation(expression)).getSymbol()?.name ?? '?';
    } catch {
      return '?';
    }
  }

  private declarationOf(call: ts.CallExpression): ts.Declaration | undefined {
    try {
      const declaration = this.analysis.checker.getResolvedSignature(call)?.declaration;
      return declaration && !ts.isJSDocSignature(declaration) ? declaration : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Paths longer than this are `unknown`. */
const MAX_FIELDS = 4;

/**
 * Repeated hops through one field collapse (`this.next.next` is "this, through `next` links"),
 * so recursion over a list or tree does not grow paths forever; overlong paths are `unknown`.
 */
function bounded(instance: LockInstance): LockInstance {
  const segments = instance.split(FIELD).filter((segment, i, all) => i < 2 || segment !== all[i - 1]);
  return segments.length - 1 > MAX_FIELDS ? 'unknown' : segments.join(FIELD);
}

/** `const m = this.mutex`: a local that is another name for an existing object. */
function localAlias(declaration: ts.VariableDeclaration): ts.Expression | undefined {
  const init = declaration.initializer && stripExpression(declaration.initializer);
  if (!init || ts.isNewExpression(init) || ts.isCallExpression(init) || ts.isAwaitExpression(init)) return undefined;
  return ts.isIdentifier(init) || ts.isPropertyAccessExpression(init) || init.kind === ts.SyntaxKind.ThisKeyword ? init : undefined;
}

/**
 * Whether two instance paths name different objects: different roots named directly (`from` and
 * `to`, `this` and `other`), or an object and one reached from it only through fields of the
 * lock's own class (`this` and `this.next.next`: lock coupling over a list or tree). A path
 * through collaborators (`this.pdf.footer.invoices`, wired with `new Footer(this)`) may lead
 * back to the same object, and so may two different roots with fields: taken as the same.
 */
export function distinctInstances(a: LockInstance, b: LockInstance): boolean {
  if (a === b || a === 'unknown' || b === 'unknown' || a === 'global' || b === 'global') return false;
  const [rootA, ...fieldsA] = a.split(FIELD);
  const [rootB, ...fieldsB] = b.split(FIELD);
  if (fieldsA.length === 0 && fieldsB.length === 0) return true;
  const [short, long] = fieldsA.length < fieldsB.length ? [fieldsA, fieldsB] : [fieldsB, fieldsA];
  if (rootA !== rootB || !short.every((f, i) => long[i] === f)) return false;
  const types = new Set(long.slice(short.length).map((segment) => segment.slice(segment.lastIndexOf(':') + 1)));
  return types.size === 1 && !types.has('?');
}

/** Locks that exist once in the program (not one per instance of a class). */
export function isSingleInstance(instance: LockInstance): boolean {
  return instance === 'global' || (instance.startsWith('binding:') && !instance.includes(FIELD));
}

/** Whether a parameter lock is a parameter of this very function (rather than of one it is nested in). */
function ownParameter(fn: FunctionInfo | undefined, lock: LockIdentity): boolean {
  if (!fn) return false;
  return [fn.name, fn.key.split('#')[1]].some((name) => !!name && lock.id.startsWith(`${name}(`));
}

function isInstanceMember(declaration: ts.Declaration): boolean {
  if (ts.isParameter(declaration)) return ts.isConstructorDeclaration(declaration.parent) && !!ts.getModifiers(declaration)?.length;
  if (ts.isPropertyDeclaration(declaration) || ts.isGetAccessorDeclaration(declaration)) {
    return !hasModifier(declaration, ts.SyntaxKind.StaticKeyword);
  }
  return ts.isPropertySignature(declaration) && ts.isInterfaceDeclaration(declaration.parent);
}

function declarationName(declaration: ts.Declaration): string | undefined {
  const name = ts.getNameOfDeclaration(declaration);
  return name && ts.isIdentifier(name) ? name.text : undefined;
}

/** The literal options of `navigator.locks.request(name, options, cb)`. */
function webLockOptions(node: ts.CallExpression | ts.NewExpression): Map<string, string | boolean> {
  const options = new Map<string, string | boolean>();
  const args = node.arguments ?? [];
  const literal = args.length >= 3 ? stripExpression(args[1]!) : undefined;
  if (!literal || !ts.isObjectLiteralExpression(literal)) return options;
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property)) continue;
    const value = stripExpression(property.initializer);
    const name = property.name.getText().replace(/^['"]|['"]$/g, '');
    if (ts.isStringLiteralLike(value)) options.set(name, value.text);
    else if (value.kind === ts.SyntaxKind.TrueKeyword) options.set(name, true);
  }
  return options;
}

function keyOf(a: Acquisition): string {
  return `${a.lock.id}\0${a.instance}\0${a.shared ? 's' : 'x'}`;
}

/** Keeps, per lock/instance/mode, the acquisition that gave up the fewest locks on the way, then the shortest chain. */
function merge(into: Map<string, Acquisition>, a: Acquisition): void {
  const key = keyOf(a);
  const existing = into.get(key);
  if (
    !existing ||
    a.releasedBefore.length < existing.releasedBefore.length ||
    (a.releasedBefore.length === existing.releasedBefore.length && a.chain.length < existing.chain.length)
  ) {
    into.set(key, a);
  }
}

function signature(map: ReadonlyMap<string, Acquisition>): string {
  return [...map].map(([key, a]) => `${key}:${a.releasedBefore.length}:${a.chain.length}`).sort().join('|');
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
