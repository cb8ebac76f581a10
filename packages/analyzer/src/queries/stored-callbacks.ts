import type ts from 'typescript';
import type { Analysis, AnalysisDelta } from '../analysis.js';
import type { CallSite, FunctionFacts } from '../types.js';
import { compareFiles, factsOfFile } from './file-index.js';
import { fileCallbacks, isCurrent, storesOf, type FileCallbacks, type Invocation, type Offer } from './stored-callbacks-parts.js';

const cache = new WeakMap<Analysis, ReadonlyMap<CallSite, readonly string[]>>();

/**
 * Listeners and other callbacks a user structure keeps and calls later: `bus.on(fn)` stores
 * `fn` in `this.handlers`, and `for (const h of this.handlers) await h(e)` runs every function
 * ever registered. The call graph sees neither edge (the callee is an element of a field);
 * this maps each such call to the functions registered into the same field or binding.
 *
 * Carried from one program version to the next (see `CallbackState`): an edit reads again the
 * parts of the files it re-walked, and updates only what their offers, stores and calls reach.
 */
export function storedCallbackTargets(analysis: Analysis): ReadonlyMap<CallSite, readonly string[]> {
  let result = cache.get(analysis);
  if (!result) {
    const state = analysis.carry<CallbackState>('stored-callbacks', (previous) => (previous && updateState(analysis, previous.value, previous.delta)) ?? buildState(analysis));
    result = state.result;
    cache.set(analysis, result);
  }
  return result;
}

/**
 * The query over the program, and the indexes an edit updates it through. It is defined by a
 * pass over the parts in the program's order: per function, the parameters some call passes a
 * callback; per function, the container each such parameter is stored into last (its
 * registrar); per container, the callbacks the offers register into it, in the order the offers
 * are met; per call that runs a container's elements, those callbacks.
 *
 * Valid for the facts map it was built from while that map is updated in place (the functions
 * and files keep their order); a new map is answered from scratch.
 */
interface CallbackState {
  facts: ReadonlyMap<string, FunctionFacts>;
  /** By file name. */
  parts: Map<string, FileCallbacks>;
  /** Function → the offers that name it as a target, with the part that makes each. */
  offersTo: Map<string, Map<Offer, FileCallbacks>>;
  /** Function → parameter index → the container the parameter is stored into (the last store of it). */
  registrars: Map<string, Map<number, ts.Node>>;
  /** Container → the functions whose registrar names it. */
  registrarsOf: Map<ts.Node, Set<string>>;
  /** Container → the callbacks registered into it, in the order the offers are met (containers with none are absent). */
  registered: Map<ts.Node, string[]>;
  /** Container → the calls that run its elements. */
  invokers: Map<ts.Node, Set<Invocation>>;
  /** File name of a container's declaration → the parts (by file name) that name it. */
  holders: Map<string, Set<string>>;
  /** Holders outside the project's files (declaration files): a change there is not in the delta. */
  external: Map<string, ts.SourceFile>;
  /** A new map whenever it changes: a reader compares it with the previous version's. */
  result: Map<CallSite, string[]>;
}

function buildState(analysis: Analysis): CallbackState {
  const state: CallbackState = {
    facts: analysis.facts,
    parts: new Map(),
    offersTo: new Map(),
    registrars: new Map(),
    registrarsOf: new Map(),
    registered: new Map(),
    invokers: new Map(),
    holders: new Map(),
    external: new Map(),
    result: new Map(),
  };
  apply(analysis, state, analysis.sourceFiles.map((file) => file.fileName));
  return state;
}

/**
 * The previous version's state, updated in place for an edit: the parts of the files whose facts
 * changed, and of the files that name a container declared in one of them, are read again.
 * Undefined (answer from scratch) when functions or files were added, removed or moved.
 */
function updateState(analysis: Analysis, state: CallbackState, delta: AnalysisDelta): CallbackState | undefined {
  if (!delta.sameOrder || state.facts !== analysis.facts) return undefined;
  const touched = new Set<string>();
  for (const key of delta.changed) {
    const before = delta.former.get(key);
    const after = analysis.facts.get(key);
    if (!before || before === after) continue;
    touched.add(before.info.sourceFile.fileName);
    if (after) touched.add(after.info.sourceFile.fileName);
  }
  const redo = new Set<string>();
  for (const name of touched) {
    redo.add(name);
    for (const part of state.holders.get(name) ?? []) redo.add(part);
  }
  for (const [name, file] of state.external) {
    if (isCurrent(analysis, file)) continue;
    for (const part of state.holders.get(name) ?? []) redo.add(part);
  }
  apply(analysis, state, redo);
  return state;
}

/** Reads the parts of the `names` files again, and updates what their old and new offers, stores and calls reach. */
function apply(analysis: Analysis, state: CallbackState, names: Iterable<string>): void {
  const removed: FileCallbacks[] = [];
  const added: FileCallbacks[] = [];
  for (const name of names) {
    const file = analysis.program.getSourceFile(name);
    const before = state.parts.get(name);
    const after = file && factsOfFile(analysis, file).length > 0 ? fileCallbacks(analysis, file) : undefined;
    if (before === after) continue;
    if (before) removed.push(before);
    if (after) added.push(after);
    if (after) state.parts.set(name, after);
    else state.parts.delete(name);
  }
  if (removed.length === 0 && added.length === 0) return;

  // the functions whose registrar may differ: targets of the offers that went or came, and the functions of the parts read again
  const owners = new Set<string>();
  for (const part of removed) {
    unindexHolders(state, part);
    for (const offer of part.offers) {
      for (const target of offer.site.targets) {
        const offers = state.offersTo.get(target);
        offers?.delete(offer);
        if (offers?.size === 0) state.offersTo.delete(target);
        owners.add(target);
      }
    }
    for (const invocation of part.invocations) deleteFrom(state.invokers, invocation.container, invocation);
    for (const f of part.facts) owners.add(f.info.key);
  }
  for (const part of added) {
    for (const offer of part.offers) {
      for (const target of offer.site.targets) {
        let offers = state.offersTo.get(target);
        if (!offers) state.offersTo.set(target, (offers = new Map()));
        offers.set(offer, part);
        owners.add(target);
      }
    }
    for (const invocation of part.invocations) addTo(state.invokers, invocation.container, invocation);
    for (const f of part.facts) owners.add(f.info.key);
  }

  // the containers registered into before or after: the targets of the offers that went or came are among the owners
  const containers = new Set<ts.Node>();
  const read = new Set<FileCallbacks>(added);
  for (const owner of owners) {
    const before = state.registrars.get(owner);
    const after = registrarOf(analysis, state, owner);
    for (const container of before?.values() ?? []) {
      containers.add(container);
      deleteFrom(state.registrarsOf, container, owner);
    }
    for (const container of after?.values() ?? []) {
      containers.add(container);
      addTo(state.registrarsOf, container, owner);
    }
    if (after) state.registrars.set(owner, after);
    else state.registrars.delete(owner);
    // reading a function's assignments may name containers elsewhere: its part is indexed again
    const part = state.parts.get(analysis.facts.get(owner)?.info.sourceFile.fileName ?? '');
    if (part) read.add(part);
  }
  for (const part of read) indexHolders(analysis, state, part);

  const invocations = new Set<Invocation>();
  for (const container of containers) {
    const callbacks = registeredInto(analysis, state, container);
    if (callbacks.length > 0) state.registered.set(container, callbacks);
    else state.registered.delete(container);
    for (const invocation of state.invokers.get(container) ?? []) invocations.add(invocation);
  }
  for (const part of added) for (const invocation of part.invocations) invocations.add(invocation);
  const result = new Map(state.result);
  for (const part of removed) for (const { site } of part.invocations) result.delete(site);
  for (const { site, container } of invocations) {
    const callbacks = state.registered.get(container);
    if (callbacks) result.set(site, [...callbacks]);
    else result.delete(site);
  }
  state.result = result;
}

/**
 * The container each parameter of `owner` that receives a callback is stored into last; none
 * when no call passes it a callback, or it stores none of those parameters.
 */
function registrarOf(analysis: Analysis, state: CallbackState, owner: string): Map<number, ts.Node> | undefined {
  const offers = state.offersTo.get(owner);
  if (!offers) return undefined;
  const indexes = new Set<number>();
  for (const { site } of offers.keys()) for (const cb of site.callbackArgs) indexes.add(cb.argIndex);
  const stores = storesOf(analysis, state.parts, owner, indexes);
  if (stores.length === 0) return undefined;
  const map = new Map<number, ts.Node>();
  for (const store of stores) map.set(store.index, store.container);
  return map;
}

/**
 * The callbacks registered into a container, in the order a pass over the offers of the program
 * adds them: those of the offers to the functions whose registrar names it, in the program's order.
 */
function registeredInto(analysis: Analysis, state: CallbackState, container: ts.Node): string[] {
  const offers = new Map<Offer, FileCallbacks>();
  for (const owner of state.registrarsOf.get(container) ?? []) {
    for (const [offer, part] of state.offersTo.get(owner) ?? []) offers.set(offer, part);
  }
  const ordered = [...offers].sort(([a, pa], [b, pb]) => (pa === pb ? 0 : compareFiles(analysis, pa.file, pb.file)) || a.seq - b.seq);
  const callbacks = new Set<string>();
  for (const [{ site }] of ordered) {
    for (const target of site.targets) {
      for (const [index, stored] of state.registrars.get(target) ?? []) {
        if (stored !== container) continue;
        for (const cb of site.callbackArgs) if (cb.argIndex === index) callbacks.add(cb.fn);
      }
    }
  }
  return [...callbacks];
}

function indexHolders(analysis: Analysis, state: CallbackState, part: FileCallbacks): void {
  for (const holder of part.elsewhere) {
    addTo(state.holders, holder.fileName, part.file.fileName);
    if (factsOfFile(analysis, holder).length === 0) state.external.set(holder.fileName, holder);
  }
}

function unindexHolders(state: CallbackState, part: FileCallbacks): void {
  for (const holder of part.elsewhere) {
    deleteFrom(state.holders, holder.fileName, part.file.fileName);
    if (!state.holders.has(holder.fileName)) state.external.delete(holder.fileName);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/** Removes a value from a key's set, and the key with its last value. */
function deleteFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set?.delete(value)) return;
  if (set.size === 0) map.delete(key);
}
