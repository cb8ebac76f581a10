import type { Carried } from '../analysis.js';
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
}

/**
 * The lock inventory of the audit: every lock the program takes, where it is declared, how it
 * was recognised, where it is acquired and which subsystems touch it.
 *
 * A lock's entry depends on the functions that take, release or hand it on, in the facts'
 * order. An editor's next program version changes the facts of a file or two: given the
 * previous inventory, the entries of the locks those functions name (now or before) are built
 * again, every other entry is the previous one.
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
  const affected = previous?.value.recognitions === recognitions ? affectedLocks(previous, facts, subsystemOf) : undefined;
  // nothing to keep when everything is built again
  const kept = affected && previous!.value;
  const { infos: rebuilt, declaredIn: rebuiltIn } = collect(facts, recognitionByClass, subsystemOf, affected);
  const ids = new Set(rebuilt.keys());
  if (kept) for (const id of kept.infos.keys()) if (!affected!.has(id)) ids.add(id);
  const infos = new Map<string, LockInfo>();
  const declaredIn = new Map<string, string>();
  for (const id of sortedIds(ids)) {
    const fresh = rebuilt.get(id);
    infos.set(id, fresh ?? kept!.infos.get(id)!);
    const file = fresh ? rebuiltIn.get(id) : kept!.declaredIn.get(id);
    if (file !== undefined) declaredIn.set(id, file);
  }
  return { infos, recognitions, declaredIn };
}

/**
 * The locks named by functions whose facts changed since the previous analysis, before or after
 * the edit, or whose declaring file now belongs to another subsystem. Undefined when functions
 * were added, removed or moved (an import reordered the files): then everything is built again.
 */
function affectedLocks({ value: previous, delta }: Carried<LockInventory>, facts: ReadonlyMap<string, FunctionFacts>, subsystemOf: (fileName: string) => string): Set<string> | undefined {
  if (!delta.sameOrder) return undefined;
  const affected = new Set<string>();
  const name = (f: FunctionFacts | undefined) => {
    if (!f) return;
    const { sightings, handedOn } = contributionOf(f);
    for (const s of sightings) affected.add(s.lock.id);
    for (const id of handedOn) affected.add(id);
  };
  for (const key of delta.changed) {
    name(facts.get(key));
    name(delta.former.get(key));
  }
  const files = new Map<string, string>();
  for (const [id, file] of previous.declaredIn) {
    if (affected.has(id)) continue;
    let subsystem = files.get(file);
    if (subsystem === undefined) files.set(file, (subsystem = subsystemOf(file)));
    if (subsystem !== previous.infos.get(id)!.subsystem) affected.add(id);
  }
  return affected;
}

/** The entries of the `only` locks (of every lock without it), from the functions in the facts' order. */
function collect(
  facts: ReadonlyMap<string, FunctionFacts>,
  recognitionByClass: ReadonlyMap<string, Recognition>,
  subsystemOf: (fileName: string) => string,
  only: ReadonlySet<string> | undefined,
): { infos: Map<string, LockInfo>; declaredIn: Map<string, string> } {
  const locks = new Map<string, LockInfo & { touching: Set<string>; ownedByAcquire: boolean; declaredIn?: string }>();
  for (const f of facts.values()) {
    const contribution = contributionOf(f);
    if (contribution === NOTHING) continue;
    const { sightings, handedOn } = contribution;
    const subsystem = f.info.subsystem;
    for (const { lock, api, acquiring, declaration, site } of sightings) {
      if (only && !only.has(lock.id)) continue;
      let info = locks.get(lock.id);
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
        locks.set(lock.id, info);
      }
      info.touching.add(subsystem);
      if (acquiring) info.acquireSites.push(site);
    }
    for (const id of handedOn) locks.get(id)?.touching.add(subsystem);
  }
  const infos = new Map<string, LockInfo>();
  const declaredIn = new Map<string, string>();
  for (const [id, { touching, ownedByAcquire: _owned, declaredIn: file, ...info }] of locks) {
    info.subsystemsTouching = [...touching].sort();
    infos.set(id, info);
    if (file !== undefined) declaredIn.set(id, file);
  }
  return { infos, declaredIn };
}

/** `localeCompare`'s order, as `Intl.Collator` gives it without building a collator per comparison. */
const collator = new Intl.Collator();
/** The last order sorted: an edit seldom adds or removes a lock, and sorting thousands of ids by locale is most of a build. */
let lastOrder: readonly string[] = [];

function sortedIds(ids: ReadonlySet<string>): readonly string[] {
  if (lastOrder.length !== ids.size || !lastOrder.every((id) => ids.has(id))) lastOrder = [...ids].sort(collator.compare);
  return lastOrder;
}
