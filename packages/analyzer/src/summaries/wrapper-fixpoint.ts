import ts from 'typescript';
import type { CallSite, FunctionFacts, LockIdentity, WrapperSummary } from '../types.js';
import { WorkQueue } from './work-queue.js';
import { addParamTo, fileWrapperPart, heldAt, isEmpty, ownOf, ownSummary, substitute, type FileWrapperPart } from './wrappers.js';

/**
 * The wrapper summaries of a program, kept from one program version to the next: acquire
 * wrappers (return with a lock held or hand back its releaser), release wrappers, and lock
 * wrappers (run a callback parameter while holding a lock). Wrappers of wrappers come from a
 * worklist: a parameter forwarded to a lock wrapper is itself run under that lock.
 *
 * The summaries map is updated in place, like the analysis' other maps.
 */
export interface WrapperState {
  readonly summaries: Map<string, WrapperSummary>;
  /** The facts each summary was computed from, file by file, with the file's part of the fixpoint. */
  readonly files: Map<string, { facts: readonly FunctionFacts[]; part: FileWrapperPart }>;
  /** Per function, the calls (anywhere) that forward a parameter to it: their receivers depend on its summary. */
  readonly forwardingTo: Map<string, Set<CallSite>>;
}

export function emptyWrapperState(): WrapperState {
  return { summaries: new Map(), files: new Map(), forwardingTo: new Map() };
}

/** The wrapper summaries of a set of facts, from scratch. */
export function computeWrapperSummaries(facts: ReadonlyMap<string, FunctionFacts>): Map<string, WrapperSummary> {
  const files = new Map<string, FunctionFacts[]>();
  for (const f of facts.values()) {
    const name = f.info.sourceFile.fileName;
    const list = files.get(name);
    if (list) list.push(f);
    else files.set(name, [f]);
  }
  const state = emptyWrapperState();
  updateWrapperSummaries(state, files, facts);
  return state.summaries;
}

/**
 * Brings the summaries up to the facts of `files` (by the name of the file that holds them). A summary can change only for
 * the functions of files whose facts changed and for those that forward a parameter to one of
 * them, transitively: those are reset to their own summaries and the worklist runs over the
 * calls that feed them; every other summary is final already and stays as it is.
 *
 * Returns the summaries the recomputed functions had before (undefined: none).
 */
export function updateWrapperSummaries(
  state: WrapperState,
  files: ReadonlyMap<string, readonly FunctionFacts[]>,
  byKey: ReadonlyMap<string, FunctionFacts>,
): Map<string, WrapperSummary | undefined> {
  const changedKeys: string[] = [];
  const replaceFile = (name: string, facts: readonly FunctionFacts[] | undefined) => {
    const old = state.files.get(name);
    if (old) {
      for (const f of old.facts) changedKeys.push(f.info.key);
      for (const site of old.part.forwarding) for (const target of forwardingTargets(site)) state.forwardingTo.get(target)?.delete(site);
      state.files.delete(name);
    }
    if (!facts) return;
    const part = fileWrapperPart(facts);
    state.files.set(name, { facts, part });
    for (const f of facts) changedKeys.push(f.info.key);
    for (const site of part.forwarding) {
      for (const target of forwardingTargets(site)) {
        let sites = state.forwardingTo.get(target);
        if (!sites) state.forwardingTo.set(target, (sites = new Set()));
        sites.add(site);
      }
    }
  };
  files.forEach((facts, name) => {
    if (state.files.get(name)?.facts !== facts) replaceFile(name, facts);
  });
  if (state.files.size > files.size) for (const name of [...state.files.keys()]) if (!files.has(name)) replaceFile(name, undefined);

  // the changed functions and, transitively, those that forward a parameter to one of them
  const affected = new Set(changedKeys);
  const queue = [...affected];
  for (let i = 0; i < queue.length; i++) {
    for (const site of state.forwardingTo.get(queue[i]!) ?? []) {
      for (const forwarded of site.paramArgs) {
        if (affected.has(forwarded.function)) continue;
        affected.add(forwarded.function);
        queue.push(forwarded.function);
      }
    }
  }

  const before = new Map<string, WrapperSummary | undefined>();
  const seeds: CallSite[] = [];
  for (const key of affected) {
    before.set(key, state.summaries.get(key));
    const f = byKey.get(key);
    const own = f && !ts.isSourceFile(f.info.node) ? ownOf(f) : undefined;
    if (own && !isEmpty(own)) state.summaries.set(key, own);
    else state.summaries.delete(key);
    const part = f && state.files.get(f.info.sourceFile.fileName)?.part;
    for (const site of part?.receivers.get(key) ?? []) seeds.push(site);
  }
  propagate(state, seeds, byKey, affected);
  return before;
}

/** The user functions a forwarding call hands a parameter to. */
function forwardingTargets(site: CallSite): readonly string[] {
  return site.paramArgs.length > 0 ? site.targets : [];
}

/** The worklist over the forwarding calls that feed the `open` functions: every other summary is final. */
function propagate(state: WrapperState, seeds: readonly CallSite[], byKey: ReadonlyMap<string, FunctionFacts>, open: ReadonlySet<string>): void {
  const result = state.summaries;
  // Own summaries are shared with later analyses: copied before the worklist adds a parameter.
  const copied = new Set<string>();
  const addParam = (fn: string, index: number, locks: LockIdentity[]) => {
    if (!open.has(fn)) return false;
    if (!copied.has(fn)) {
      const f = byKey.get(fn);
      result.set(fn, f && !ts.isSourceFile(f.info.node) ? ownSummary(f) : { heldOnExit: [], releasedOnExit: [], paramsUnderLock: new Map(), paramsImmediate: new Set() });
      copied.add(fn);
    }
    return addParamTo(result.get(fn)!, index, locks);
  };
  const worklist = new WorkQueue(seeds);
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
    for (const fn of grown) for (const dependent of state.forwardingTo.get(fn) ?? []) worklist.add(dependent);
  }
  for (const key of copied) {
    const summary = result.get(key)!;
    if (isEmpty(summary)) result.delete(key);
    else canonicalize(summary);
  }
}

/**
 * Parameters and their locks in one order, whatever order the worklist found them in: a summary
 * recomputed after an edit then reads exactly as one computed from scratch.
 */
function canonicalize(summary: WrapperSummary): void {
  const entries = [...summary.paramsUnderLock].sort(([a], [b]) => a - b);
  summary.paramsUnderLock.clear();
  for (const [index, locks] of entries) summary.paramsUnderLock.set(index, locks.length > 1 ? [...locks].sort(byId) : locks);
  if (summary.paramsImmediate.size > 1) {
    const indices = [...summary.paramsImmediate].sort((a, b) => a - b);
    summary.paramsImmediate.clear();
    for (const index of indices) summary.paramsImmediate.add(index);
  }
}

const byId = (a: LockIdentity, b: LockIdentity) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
