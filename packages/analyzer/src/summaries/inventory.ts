import type { ProgramLockDiscovery } from '../model/program-locks.js';
import { locationOf } from '../report/location.js';
import type { FunctionFacts, LockInfo, Recognition } from '../types.js';

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
    const subsystem = f.info.subsystem;
    for (const site of f.lockOps) {
      const lock = site.op.lock;
      if (lock.paramIndex !== undefined) continue;
      let info = locks.get(lock.id);
      // A release through a releaser or handle names the value, not the lock: it says nothing about where the lock lives.
      const declaration = site.declaration;
      const acquiring = ['acquire', 'try-acquire', 'run-callback'].includes(site.op.kind);
      if (info && !info.declaredAt && (declaration || (acquiring && !info.ownedByAcquire))) {
        // first seen through a release elsewhere: the declaration (or the first acquisition) decides the owner
        info.declaredAt = declaration ? locationOf(declaration) : undefined;
        info.subsystem = declaration ? subsystemOf(declaration.getSourceFile().fileName) : subsystem;
        info.ownedByAcquire = !declaration && acquiring;
      }
      if (!info) {
        const recognition: Recognition = lock.library === 'hand-rolled' || lock.library === 'user'
          ? (recognitionByClass.get(site.op.api.split('.')[0] ?? '') ?? { by: lock.library === 'user' ? 'jsdoc' : 'config' })
          : { by: 'library', library: lock.library };
        info = {
          id: lock.id,
          library: lock.library,
          kind: lock.kind,
          reentrant: lock.reentrant,
          recognition,
          declaredAt: declaration ? locationOf(declaration) : undefined,
          subsystem: declaration ? subsystemOf(declaration.getSourceFile().fileName) : subsystem,
          acquireSites: [],
          subsystemsTouching: [],
          touching: new Set(),
          ownedByAcquire: !declaration && acquiring,
        };
        locks.set(lock.id, info);
      }
      info.touching.add(subsystem);
      if (['acquire', 'try-acquire', 'run-callback'].includes(site.op.kind)) info.acquireSites.push(locationOf(site.node));
    }
    for (const site of f.calls) for (const arg of site.lockArgs) locks.get(arg.lock.id)?.touching.add(subsystem);
  }
  const result = new Map<string, LockInfo>();
  for (const [id, { touching, ownedByAcquire: _owned, ...info }] of [...locks].sort(([a], [b]) => a.localeCompare(b))) {
    info.subsystemsTouching = [...touching].sort();
    result.set(id, info);
  }
  return result;
}
