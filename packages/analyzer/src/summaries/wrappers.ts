import ts from 'typescript';
import type { CallSite, FunctionFacts, LockIdentity, WrapperSummary } from '../types.js';
import { WorkQueue } from './work-queue.js';

/**
 * Finds the functions whose callers need to know what they do to locks: acquire wrappers
 * (return with a lock held or hand back its releaser), release wrappers, and lock wrappers
 * (run a callback parameter while holding a lock). Wrappers of wrappers are found by a
 * worklist: a parameter forwarded to a lock wrapper is itself run under that lock.
 */
export function computeWrapperSummaries(
  facts: ReadonlyMap<string, FunctionFacts>,
  /** The same facts, file by file: each file's part of the first pass is then kept with its facts. */
  files: Iterable<readonly FunctionFacts[]> = [[...facts.values()]],
): Map<string, WrapperSummary> {
  const result = new Map<string, WrapperSummary>();
  const byKey = facts;
  const forwarding: CallSite[] = [];
  for (const fileFacts of files) {
    const part = fileWrapperPart(fileFacts);
    for (const site of part.forwarding) forwarding.push(site);
    for (const [key, own] of part.own) result.set(key, own);
  }
  // Own summaries are shared with later analyses: copied before the rounds add a parameter.
  const copied = new Set<string>();
  const addParam = (fn: string, index: number, locks: LockIdentity[]) => {
    if (!copied.has(fn)) {
      const f = byKey.get(fn);
      result.set(fn, f && !ts.isSourceFile(f.info.node) ? ownSummary(f) : { heldOnExit: [], releasedOnExit: [], paramsUnderLock: new Map(), paramsImmediate: new Set() });
      copied.add(fn);
    }
    return addParamTo(result.get(fn)!, index, locks);
  };
  // Parameters run as callbacks: directly, or forwarded to a lock API or another wrapper. A call
  // that forwards to a user function is looked at again only when that function gains a parameter.
  const forwardingTo = new Map<string, CallSite[]>();
  for (const site of forwarding) {
    if (site.paramArgs.length === 0) continue;
    for (const target of site.targets) {
      const list = forwardingTo.get(target);
      if (list) list.push(site);
      else forwardingTo.set(target, [site]);
    }
  }
  const worklist = new WorkQueue(forwarding);
  while (worklist.size) {
    const site = worklist.take();
    const grown = new Set<string>();
    const add = (fn: string, index: number, locks: LockIdentity[]) => {
      if (addParam(fn, index, locks)) grown.add(fn);
    };
    if (site.calleeParam) add(site.calleeParam.function, site.calleeParam.index, heldAt(site, byKey.get(site.calleeParam.function)).runningCallback);
    for (const forwarded of site.paramArgs) {
      const locksHere = heldAt(site, byKey.get(forwarded.function)).takenInOwner;
      const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
      if (op && op.kind === 'run-callback') {
        const index = op.callbackArg === -1 ? (site.node.arguments?.length ?? 0) - 1 : op.callbackArg;
        if (index === forwarded.argIndex) add(forwarded.function, forwarded.index, [...locksHere, op.lock]);
        continue;
      }
      if (site.external?.kind === 'callback-api' && site.external.timing === 'immediate') {
        add(forwarded.function, forwarded.index, locksHere);
        continue;
      }
      for (const target of site.targets) {
        const wrapper = result.get(target);
        const under = wrapper?.paramsUnderLock.get(forwarded.argIndex);
        if (under) {
          const substituted = under.map((l) => substitute(l, site.lockArgs)).filter((l): l is LockIdentity => !!l);
          add(forwarded.function, forwarded.index, [...locksHere, ...substituted]);
        } else if (wrapper?.paramsImmediate.has(forwarded.argIndex)) {
          add(forwarded.function, forwarded.index, locksHere);
        }
      }
    }
    for (const fn of grown) for (const dependent of forwardingTo.get(fn) ?? []) worklist.add(dependent);
  }
  for (const [key, summary] of result) if (isEmpty(summary)) result.delete(key);
  return result;
}

// Facts never change once walked, and an editor's next analysis reuses those of unchanged files.
const forwardingCache = new WeakMap<FunctionFacts, readonly CallSite[]>();
const ownCache = new WeakMap<FunctionFacts, WrapperSummary>();
const fileCache = new WeakMap<readonly FunctionFacts[], { own: [string, WrapperSummary][]; forwarding: CallSite[] }>();

/** A file's share of the first pass: its functions that do something to locks, and its forwarding calls. */
function fileWrapperPart(fileFacts: readonly FunctionFacts[]): { own: [string, WrapperSummary][]; forwarding: CallSite[] } {
  let part = fileCache.get(fileFacts);
  if (!part) {
    part = { own: [], forwarding: [] };
    for (const f of fileFacts) {
      part.forwarding.push(...forwardingSites(f));
      // most functions do nothing to locks: no entry unless a forwarded parameter needs one
      if (!ts.isSourceFile(f.info.node) && !isEmpty(ownOf(f))) part.own.push([f.info.key, ownOf(f)]);
    }
    fileCache.set(fileFacts, part);
  }
  return part;
}

/** The calls through which a parameter may be run as a callback: the only ones the rounds look at. */
function forwardingSites(f: FunctionFacts): readonly CallSite[] {
  let sites = forwardingCache.get(f);
  if (!sites) forwardingCache.set(f, (sites = f.calls.filter((site) => site.calleeParam || (site.paramArgs.length > 0 && mayRunArguments(site)))));
  return sites;
}

/**
 * Whether a call can run a parameter handed to it: a lock API or an immediate callback API, or a
 * user function (a wrapper, maybe). Most parameters passed on are data (`cache.set(id, record)`).
 */
function mayRunArguments(site: CallSite): boolean {
  const external = site.external;
  return (
    site.targets.length > 0 ||
    (external?.kind === 'lock-op' && external.op.kind === 'run-callback') ||
    (external?.kind === 'callback-api' && external.timing === 'immediate')
  );
}

/** What the function's own body does to locks, shared by every analysis that reuses its facts: never changed. */
function ownOf(f: FunctionFacts): WrapperSummary {
  let own = ownCache.get(f);
  if (!own) ownCache.set(f, (own = computeOwnSummary(f)));
  return own;
}

/** A fresh copy of `ownOf`, for the rounds to add parameters to. */
function ownSummary(f: FunctionFacts): WrapperSummary {
  return { ...ownOf(f), paramsUnderLock: new Map(), paramsImmediate: new Set() };
}

function isEmpty(w: WrapperSummary): boolean {
  return !w.heldOnExit.length && !w.releasedOnExit.length && !w.returns && !w.paramsUnderLock.size && !w.paramsImmediate.size;
}

function computeOwnSummary(f: FunctionFacts): WrapperSummary {
  const node = f.info.node;
  const acquiredHere = (lock: LockIdentity, at: ts.Node) => isInside(at, node) && !!lock;
  // Locks held at every normal exit that this function itself took.
  let heldOnExit: LockIdentity[] | undefined;
  let at: ts.Node | undefined;
  for (const exit of f.exits) {
    const mine = exit.held.filter((h) => h.definite && (h.via === 'acquire' || h.via === 'wrapper') && acquiredHere(h.lock, h.acquiredAt));
    if (!heldOnExit) {
      heldOnExit = mine.map((h) => h.lock);
      at = mine[0]?.acquiredAt;
    } else {
      heldOnExit = heldOnExit.filter((l) => mine.some((h) => h.lock.id === l.id));
    }
  }
  const acquiredIds = new Set(f.lockOps.filter((o) => o.op.kind === 'acquire' || o.op.kind === 'try-acquire').map((o) => o.op.lock.id));
  const releasedOnExit = f.lockOps
    .filter((o) => o.op.kind === 'release' && !o.held.some((h) => h.lock.id === o.op.lock.id) && !acquiredIds.has(o.op.lock.id))
    .map((o) => o.op.lock);
  const returns = f.returns.length > 0 && f.returns.every((r) => r.lock.id === f.returns[0]!.lock.id) ? { lock: f.returns[0]!.lock, what: f.returns[0]!.what } : undefined;
  return {
    heldOnExit: heldOnExit ?? [],
    releasedOnExit: dedupe(releasedOnExit),
    returns,
    paramsUnderLock: new Map(),
    paramsImmediate: new Set(),
    at: at ?? f.returns[0]?.node,
  };
}

function addParamTo(summary: WrapperSummary, index: number, locks: LockIdentity[]): boolean {
  if (locks.length === 0) {
    if (summary.paramsImmediate.has(index)) return false;
    summary.paramsImmediate.add(index);
    return true;
  }
  const existing = summary.paramsUnderLock.get(index) ?? [];
  const added = locks.filter((l) => !existing.some((e) => e.id === l.id));
  if (added.length === 0) return false;
  summary.paramsUnderLock.set(index, [...existing, ...added]);
  return true;
}

export function substitute(lock: LockIdentity, lockArgs: { argIndex: number; lock: LockIdentity }[]): LockIdentity | undefined {
  if (lock.paramIndex === undefined) return lock;
  return lockArgs.find((a) => a.argIndex === lock.paramIndex)?.lock;
}

interface HeldAtForwarding {
  /** Locks held at the call that the owner of the parameter took itself. */
  takenInOwner: LockIdentity[];
  /** Those, and the locks of callbacks the call runs in: what a called parameter runs under. */
  runningCallback: LockIdentity[];
}

const heldCache = new WeakMap<CallSite, Map<FunctionFacts | undefined, HeldAtForwarding>>();

/**
 * The rounds ask this of every forwarding call again and again; it depends only on the call and
 * on the function that owns the parameter (its own file), so it is kept across rounds and analyses.
 */
function heldAt(site: CallSite, owner: FunctionFacts | undefined): HeldAtForwarding {
  let byOwner = heldCache.get(site);
  if (!byOwner) heldCache.set(site, (byOwner = new Map()));
  let held = byOwner.get(owner);
  if (!held) {
    const node = owner?.info.node;
    held = {
      takenInOwner: site.held.filter((h) => isInside(h.acquiredAt, node)).map((h) => h.lock),
      runningCallback: site.held.filter((h) => isInside(h.acquiredAt, node) || h.via === 'callback').map((h) => h.lock),
    };
    byOwner.set(owner, held);
  }
  return held;
}

export function isInside(node: ts.Node, container: ts.Node | undefined): boolean {
  if (!container) return false;
  return node.getSourceFile() === container.getSourceFile() && node.pos >= container.pos && node.end <= container.end;
}

function dedupe(locks: LockIdentity[]): LockIdentity[] {
  const seen = new Set<string>();
  return locks.filter((l) => !seen.has(l.id) && seen.add(l.id));
}

/** Stable text of one wrapper summary ('' for none): what a caller's walk depended on. */
const signatures = new WeakMap<WrapperSummary, string>();

export function wrapperEntrySignature(w: WrapperSummary | undefined): string {
  if (!w) return '';
  // asked for every lookup every walked file made, on every analysis: own summaries are shared objects
  let signature = signatures.get(w);
  if (signature === undefined) signatures.set(w, (signature = computeSignature(w)));
  return signature;
}

function computeSignature(w: WrapperSummary): string {
  return `${w.heldOnExit.map((l) => l.id).join(',')}|${w.releasedOnExit.map((l) => l.id).join(',')}|${w.returns ? `${w.returns.lock.id}:${w.returns.what}` : ''}|${[...w.paramsUnderLock].map(([i, ls]) => `${i}:${ls.map((l) => l.id).join('+')}`).join(',')}|${[...w.paramsImmediate].join(',')}`;
}

/** Stable text of a wrapper map, to tell whether another walk round changed anything. */
export function wrapperSignature(wrappers: ReadonlyMap<string, WrapperSummary>): string {
  return [...wrappers]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, w]) => `${key}|${wrapperEntrySignature(w)}`)
    .join('\n');
}
