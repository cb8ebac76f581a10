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

/**
 * The lock inventory of the audit: every lock the program takes, where it is declared, how it
 * was recognised, where it is acquired and which subsystems touch it.
 */
export function buildLockInventory(
  facts: ReadonlyMap<string, FunctionFacts>,
  programLocks: ProgramLockDiscovery,
  subsystemOf: (fileName: string) => string,
): Map<string, LockInfo> {
  const locks = new Map<string, LockInfo & { touching: Set<string>; ownedByAcquire: boolean }>();
  const recognitionByClass = new Map<string, Recognition>();
  for (const { name, recognition } of programLocks.recognitions.values()) recognitionByClass.set(name, recognition);

  for (const f of facts.values()) {
    const contribution = contributionOf(f);
    if (contribution === NOTHING) continue;
    const { sightings, handedOn } = contribution;
    const subsystem = f.info.subsystem;
    for (const { lock, api, acquiring, declaration, site } of sightings) {
      let info = locks.get(lock.id);
      // A release through a releaser or handle names the value, not the lock: it says nothing about where the lock lives.
      if (info && !info.declaredAt && (declaration || (acquiring && !info.ownedByAcquire))) {
        // first seen through a release elsewhere: the declaration (or the first acquisition) decides the owner
        info.declaredAt = declaration?.at;
        info.subsystem = declaration ? subsystemOf(declaration.fileName) : subsystem;
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
  const result = new Map<string, LockInfo>();
  for (const [id, { touching, ownedByAcquire: _owned, ...info }] of [...locks].sort(([a], [b]) => a.localeCompare(b))) {
    info.subsystemsTouching = [...touching].sort();
    result.set(id, info);
  }
  return result;
}
