import type { AnalysisDelta, Carried } from '../analysis.js';
import type { ProgramLockDiscovery } from '../model/program-locks.js';
import { locationOf } from '../report/location.js';
import type { FunctionFacts, LockIdentity, LockInfo, Recognition, SourceLocation } from '../types.js';

/** What one lock operation tells the inventory, with its locations worked out. */
interface LockSighting {
  lock: LockIdentity;
  api: string;
  acquiring: boolean;
  declaration?: { at: SourceLocation; fileName: string };
  site: SourceLocation;
}

/** What one function tells the inventory: its lock operations, and the locks its calls hand on. */
interface Contribution {
  sightings: LockSighting[];
  handedOn: string[];
}

const ACQUIRING = new Set(['acquire', 'try-acquire', 'run-callback']);
const NOTHING: Contribution = { sightings: [], handedOn: [] };

/**
 * Per function, read once per walk: an editor's program version reuses the facts of every
 * unchanged function, so a new inventory only puts these together.
 */
const contributions = new WeakMap<FunctionFacts, Contribution>();

function contributionOf(f: FunctionFacts): Contribution {
  let found = contributions.get(f);
  if (found) return found;
  const sightings: LockSighting[] = [];
  for (const site of f.lockOps) {
    if (site.op.lock.paramIndex !== undefined) continue;
    const declaration = site.declaration;
    sightings.push({
      lock: site.op.lock,
      api: site.op.api,
      acquiring: ACQUIRING.has(site.op.kind),
      declaration: declaration ? { at: locationOf(declaration), fileName: declaration.getSourceFile().fileName } : undefined,
      site: locationOf(site.node),
    });
  }
  const handedOn = f.calls.flatMap((site) => site.lockArgs.map((arg) => arg.lock.id));
  found = sightings.length || handedOn.length ? { sightings, handedOn } : NOTHING;
  contributions.set(f, found);
  return found;
}

/** The inventory and what the next program version needs to rebuild only the locks an edit names. */
export interface LockInventory {
  infos: ReadonlyMap<string, LockInfo>;
  recognitions: string;
  /** Per lock whose subsystem is that of its declaration, the declaring file. */
  declaredIn: ReadonlyMap<string, string>;
  /** What the next version updates in place. */
  index: InventoryIndex;
}

/**
 * The functions behind each entry, so that an edit rebuilds an entry from the functions that
 * name its lock only. Valid while the functions keep their order: while the facts map it was
 * built from is updated in place (`AnalysisDelta.sameOrder` alone also holds when whole files
 * change places). Updated in place by the next version (the analysis it was built for is
 * superseded by then).
 */
interface InventoryIndex {
  facts: ReadonlyMap<string, FunctionFacts>;
  infos: Map<string, LockInfo>;
  declaredIn: Map<string, string>;
  /** Per lock, the functions that take, release or hand it on, in the facts' order. */
  naming: Map<string, string[]>;
  /** Each function's place in the facts' order. */
  position: Map<string, number>;
  /** The ids in `infos`' order, and whether two of them compare equal by locale (then first seen decides). */
  order: string[];
  tied: boolean;
  /** The subsystem resolver the entries were built with: a new one may place declaring files elsewhere. */
  subsystemOf: (fileName: string) => string;
}

/** One lock's entry, and the file that declares it when the declaration decided its subsystem. */
interface Entry {
  info: LockInfo;
  declaredIn?: string;
}

/**
 * The lock inventory of the audit: every lock the program takes, where it is declared, how it
 * was recognised, where it is acquired and which subsystems touch it.
 *
 * A lock's entry depends on the functions that take, release or hand it on, in the facts'
 * order. An editor's next program version changes the facts of a file or two: given the
 * previous inventory, the entries of the locks those functions name (now or before) are built
 * again from the functions that name them, every other entry is the previous one.
 */
export function buildLockInventory(
  facts: ReadonlyMap<string, FunctionFacts>,
  programLocks: ProgramLockDiscovery,
  subsystemOf: (fileName: string) => string,
  previous?: Carried<LockInventory>,
): LockInventory {
  const recognitionByClass = new Map<string, Recognition>();
  for (const { name, recognition } of programLocks.recognitions.values()) recognitionByClass.set(name, recognition);
  const recognitions = JSON.stringify([...recognitionByClass]);
  const context: Context = { facts, recognitionByClass, subsystemOf };
  if (previous && previous.value.recognitions === recognitions && previous.delta.sameOrder && previous.value.index.facts === facts) {
    const updated = update(previous.value.index, previous.delta, context);
    if (updated) return inventory(updated, recognitions);
  }
  return inventory(build(context), recognitions);
}

function inventory(index: InventoryIndex, recognitions: string): LockInventory {
  return { infos: index.infos, recognitions, declaredIn: index.declaredIn, index };
}

interface Context {
  facts: ReadonlyMap<string, FunctionFacts>;
  recognitionByClass: ReadonlyMap<string, Recognition>;
  subsystemOf: (fileName: string) => string;
}

function build(context: Context): InventoryIndex {
  const naming = new Map<string, string[]>();
  const position = new Map<string, number>();
  let place = 0;
  for (const f of context.facts.values()) {
    const key = f.info.key;
    position.set(key, place++);
    const contribution = contributionOf(f);
    if (contribution === NOTHING) continue;
    for (const id of lockNames(contribution)) {
      const list = naming.get(id);
      if (list) list.push(key);
      else naming.set(id, [key]);
    }
  }
  const entries = new Map<string, Entry>();
  for (const [id, keys] of naming) {
    const entry = lockEntry(id, keys, context);
    if (entry) entries.set(id, entry);
  }
  const index: InventoryIndex = { facts: context.facts, infos: new Map(), declaredIn: new Map(), naming, position, order: [], tied: false, subsystemOf: context.subsystemOf };
  const sorted = sortedIds(new Set(entries.keys()), index, context);
  index.order = sorted.order;
  index.tied = sorted.tied;
  for (const id of index.order) {
    const { info, declaredIn } = entries.get(id)!;
    index.infos.set(id, info);
    if (declaredIn !== undefined) index.declaredIn.set(id, declaredIn);
  }
  return index;
}

/**
 * The previous index updated for an edit that kept the functions and their order: the functions
 * whose facts changed leave the lists of the locks they named and join those they name now, and
 * the entries of those locks are built again. Undefined when the index cannot tell (a function
 * it does not know): then everything is built again.
 */
function update(index: InventoryIndex, delta: AnalysisDelta, context: Context): InventoryIndex | undefined {
  const { facts } = context;
  const affected = new Set<string>();
  for (const key of delta.changed) {
    const before = delta.former.get(key);
    const after = facts.get(key);
    // a function in `changed` for its wrapper summary only keeps its facts, and what it tells the inventory
    if (!before || before === after) continue;
    if (!after || !index.position.has(key)) return undefined;
    const was = lockNames(contributionOf(before));
    const is = lockNames(contributionOf(after));
    for (const id of was) {
      affected.add(id);
      if (!is.has(id)) leave(index.naming, id, key);
    }
    for (const id of is) {
      affected.add(id);
      if (!was.has(id)) join(index.naming, id, key, index.position);
    }
  }
  if (index.subsystemOf !== context.subsystemOf) {
    const files = new Map<string, string>();
    for (const [id, file] of index.declaredIn) {
      if (affected.has(id)) continue;
      let subsystem = files.get(file);
      if (subsystem === undefined) files.set(file, (subsystem = context.subsystemOf(file)));
      if (subsystem !== index.infos.get(id)!.subsystem) affected.add(id);
    }
    index.subsystemOf = context.subsystemOf;
  }
  const added: string[] = [];
  const removed = new Set<string>();
  const fresh = new Map<string, LockInfo>();
  for (const id of affected) {
    const entry = lockEntry(id, index.naming.get(id) ?? [], context);
    if (entry?.declaredIn !== undefined) index.declaredIn.set(id, entry.declaredIn);
    else index.declaredIn.delete(id);
    const known = index.infos.has(id);
    if (entry) {
      fresh.set(id, entry.info);
      if (!known) added.push(id);
    } else if (known) {
      removed.add(id);
    }
  }
  if (added.length === 0 && removed.size === 0 && !(index.tied && affected.size > 0)) {
    // the same locks: each keeps its place in the map
    for (const [id, info] of fresh) index.infos.set(id, info);
    return index;
  }
  const kept = index.order.filter((id) => !removed.has(id));
  // ids equal by locale are in the order they are first seen, which the edit may have changed: sort again
  const sorted = index.tied ? sortedIds(new Set([...kept, ...added]), index, context) : inserted(kept, added, index, context);
  const infos = new Map<string, LockInfo>();
  for (const id of sorted.order) infos.set(id, fresh.get(id) ?? index.infos.get(id)!);
  index.infos = infos;
  index.order = sorted.order;
  index.tied = sorted.tied;
  return index;
}

/** The locks a function names: those it takes or releases, and those its calls hand on. */
function lockNames({ sightings, handedOn }: Contribution): Set<string> {
  const ids = new Set<string>();
  for (const s of sightings) ids.add(s.lock.id);
  for (const id of handedOn) ids.add(id);
  return ids;
}

function leave(naming: Map<string, string[]>, id: string, key: string): void {
  const list = naming.get(id);
  const at = list ? list.indexOf(key) : -1;
  if (at < 0) return;
  list!.splice(at, 1);
  if (list!.length === 0) naming.delete(id);
}

function join(naming: Map<string, string[]>, id: string, key: string, position: ReadonlyMap<string, number>): void {
  const list = naming.get(id);
  if (!list) {
    naming.set(id, [key]);
    return;
  }
  const place = position.get(key)!;
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (position.get(list[mid]!)! < place) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, key);
}

/** One lock's entry from the functions that name it, in the facts' order (none when no function takes or releases it). */
function lockEntry(id: string, keys: readonly string[], { facts, recognitionByClass, subsystemOf }: Context): Entry | undefined {
  let info: (LockInfo & { touching: Set<string>; ownedByAcquire: boolean; declaredIn?: string }) | undefined;
  for (const key of keys) {
    const f = facts.get(key)!;
    const { sightings, handedOn } = contributionOf(f);
    const subsystem = f.info.subsystem;
    for (const { lock, api, acquiring, declaration, site } of sightings) {
      if (lock.id !== id) continue;
      // A release through a releaser or handle names the value, not the lock: it says nothing about where the lock lives.
      if (info && !info.declaredAt && (declaration || (acquiring && !info.ownedByAcquire))) {
        // first seen through a release elsewhere: the declaration (or the first acquisition) decides the owner
        info.declaredAt = declaration?.at;
        info.subsystem = declaration ? subsystemOf(declaration.fileName) : subsystem;
        info.declaredIn = declaration?.fileName;
        info.ownedByAcquire = !declaration && acquiring;
      }
      if (!info) {
        const recognition: Recognition = lock.library === 'hand-rolled' || lock.library === 'user'
          ? (recognitionByClass.get(api.split('.')[0] ?? '') ?? { by: lock.library === 'user' ? 'jsdoc' : 'config' })
          : { by: 'library', library: lock.library };
        info = {
          id: lock.id,
          library: lock.library,
          kind: lock.kind,
          reentrant: lock.reentrant,
          recognition,
          declaredAt: declaration?.at,
          subsystem: declaration ? subsystemOf(declaration.fileName) : subsystem,
          declaredIn: declaration?.fileName,
          acquireSites: [],
          subsystemsTouching: [],
          touching: new Set(),
          ownedByAcquire: !declaration && acquiring,
        };
      }
      info.touching.add(subsystem);
      if (acquiring) info.acquireSites.push(site);
    }
    if (info && handedOn.includes(id)) info.touching.add(subsystem);
  }
  if (!info) return undefined;
  const { touching, ownedByAcquire: _owned, declaredIn, ...entry } = info;
  entry.subsystemsTouching = [...touching].sort();
  return { info: entry, declaredIn };
}

/**
 * Where a pass over the facts first meets a lock: the place of the first function that takes or
 * releases it, and the index of that sighting among the function's. A from-scratch build meets
 * the locks in this order, and sorts them stably: ids equal by locale keep it.
 */
function firstSeen(id: string, index: InventoryIndex, facts: ReadonlyMap<string, FunctionFacts>): [number, number] {
  for (const key of index.naming.get(id) ?? []) {
    const at = contributionOf(facts.get(key)!).sightings.findIndex((s) => s.lock.id === id);
    if (at >= 0) return [index.position.get(key)!, at];
  }
  return [Infinity, Infinity];
}

/** `localeCompare`'s order, as `Intl.Collator` gives it without building a collator per comparison. */
const collator = new Intl.Collator();

interface Sorted {
  order: string[];
  tied: boolean;
}

/** The last order sorted: a rebuild seldom adds or removes a lock, and sorting thousands of ids by locale is most of a build. */
let lastSorted: Sorted = { order: [], tied: false };

/** The ids by locale, ids equal by locale in the order a pass over the facts meets them. */
function sortedIds(ids: ReadonlySet<string>, index: InventoryIndex, context: Context): Sorted {
  // without ties the order depends on the ids alone
  if (!lastSorted.tied && lastSorted.order.length === ids.size && lastSorted.order.every((id) => ids.has(id))) return lastSorted;
  const seen = new Map<string, [number, number]>();
  const first = (id: string) => {
    let at = seen.get(id);
    if (!at) seen.set(id, (at = firstSeen(id, index, context.facts)));
    return at;
  };
  let tied = false;
  const order = [...ids].sort((a, b) => {
    const byLocale = collator.compare(a, b);
    if (byLocale !== 0) return byLocale;
    tied = true;
    const [pa, ia] = first(a);
    const [pb, ib] = first(b);
    return pa - pb || ia - ib;
  });
  lastSorted = { order, tied };
  return lastSorted;
}

/** `order` (sorted, without ties) with `added` put in their places. */
function inserted(order: string[], added: readonly string[], index: InventoryIndex, context: Context): Sorted {
  let tied = false;
  const compare = (a: string, b: string) => {
    const byLocale = collator.compare(a, b);
    if (byLocale !== 0) return byLocale;
    tied = true;
    const [pa, ia] = firstSeen(a, index, context.facts);
    const [pb, ib] = firstSeen(b, index, context.facts);
    return pa - pb || ia - ib;
  };
  const result = [...order];
  for (const id of added) {
    let low = 0;
    let high = result.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compare(result[mid]!, id) < 0) low = mid + 1;
      else high = mid;
    }
    // a tie may sit on either side of the place found
    if (low < result.length) compare(result[low]!, id);
    if (low > 0) compare(result[low - 1]!, id);
    result.splice(low, 0, id);
  }
  lastSorted = { order: result, tied };
  return lastSorted;
}
