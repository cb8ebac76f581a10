// What one function tells its callers about locks (its own summary), and the pieces of a file that
// the wrapper fixpoint (wrapper-fixpoint.ts) works from.
import ts from 'typescript';
import type { CallSite, FunctionFacts, LockIdentity, WrapperSummary } from '../types.js';

/** A file's share of the wrapper fixpoint. */
export interface FileWrapperPart {
  /** Its functions whose own bodies do something to locks, with what. */
  own: [string, WrapperSummary][];
  /** Its calls through which a parameter may be run as a callback, in the facts' order. */
  forwarding: CallSite[];
  /** Per function that may gain a parameter summary, the forwarding calls that give it one (in the same file). */
  receivers: Map<string, CallSite[]>;
}

// Facts never change once walked, and an editor's next analysis reuses those of unchanged files.
const forwardingCache = new WeakMap<FunctionFacts, readonly CallSite[]>();
const ownCache = new WeakMap<FunctionFacts, WrapperSummary>();
const fileCache = new WeakMap<readonly FunctionFacts[], FileWrapperPart>();

export function fileWrapperPart(fileFacts: readonly FunctionFacts[]): FileWrapperPart {
  let part = fileCache.get(fileFacts);
  if (!part) {
    part = { own: [], forwarding: [], receivers: new Map() };
    for (const f of fileFacts) {
      for (const site of forwardingSites(f)) {
        part.forwarding.push(site);
        for (const receiver of receiversOf(site)) {
          const list = part.receivers.get(receiver);
          if (!list) part.receivers.set(receiver, [site]);
          else if (list[list.length - 1] !== site) list.push(site);
        }
      }
      // most functions do nothing to locks: no entry unless a forwarded parameter needs one
      if (!ts.isSourceFile(f.info.node) && !isEmpty(ownOf(f))) part.own.push([f.info.key, ownOf(f)]);
    }
    fileCache.set(fileFacts, part);
  }
  return part;
}

/** The functions a forwarding call can add a parameter summary to: its own or an enclosing function. */
export function* receiversOf(site: CallSite): Iterable<string> {
  if (site.calleeParam) yield site.calleeParam.function;
  for (const forwarded of site.paramArgs) yield forwarded.function;
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
export function ownOf(f: FunctionFacts): WrapperSummary {
  let own = ownCache.get(f);
  if (!own) ownCache.set(f, (own = computeOwnSummary(f)));
  return own;
}

/** A fresh copy of `ownOf`, for the rounds to add parameters to. */
export function ownSummary(f: FunctionFacts): WrapperSummary {
  return { ...ownOf(f), paramsUnderLock: new Map(), paramsImmediate: new Set() };
}

export function isEmpty(w: WrapperSummary): boolean {
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

export function addParamTo(summary: WrapperSummary, index: number, locks: LockIdentity[]): boolean {
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
export function heldAt(site: CallSite, owner: FunctionFacts | undefined): HeldAtForwarding {
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
