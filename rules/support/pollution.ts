import { lockFlow, programAnnotations, type Analysis, type LockOrigin, type SourceLocation } from '@lockwise/analyzer';
import ts from 'typescript';
import { labelOf } from './trace.js';

/**
 * The audit view of knowledge pollution: per subsystem, the locks of other subsystems its code
 * has to know about, and how. The formula of "lock knowledge imported" is in docs/pollution.md.
 */

/** How a subsystem's code has to know about a lock it does not own. */
export type PollutionRelation = 'receives' | 'passes' | 'returns' | 'stores' | 'acquires' | 'requires' | 'releases' | 'drops';

/** Weight of one function knowing one foreign lock in one way: using a lock's protocol costs more than carrying it. */
export const RELATION_WEIGHTS: Readonly<Record<PollutionRelation, number>> = {
  receives: 1,
  passes: 1,
  returns: 1,
  stores: 1,
  acquires: 1,
  requires: 1,
  releases: 2,
  drops: 3,
};

export interface PollutionSite {
  relation: PollutionRelation;
  /** Function key, or the structure written for a store into this subsystem. */
  where: string;
  location: SourceLocation;
}

export interface ForeignLockKnowledge {
  lock: string;
  /** The subsystem that owns the lock. */
  owner: string;
  relations: PollutionRelation[];
  /** Sum of the weights of its distinct (where, relation) pairs. */
  weight: number;
  sites: PollutionSite[];
}

export interface SubsystemPollution {
  subsystem: string;
  /** Σ over foreign locks of their weights (see docs/pollution.md). */
  lockKnowledgeImported: number;
  foreignLocks: ForeignLockKnowledge[];
  /** Subsystems whose locks leak into this one. */
  leaksFrom: string[];
  /** Subsystems that have to know about this one's locks. */
  leaksInto: string[];
}

const RELATION_ORDER: readonly PollutionRelation[] = ['receives', 'passes', 'returns', 'stores', 'acquires', 'requires', 'releases', 'drops'];

interface Knowledge {
  subsystem: string;
  lock: string;
  owner: string;
  relation: PollutionRelation;
  where: string;
  node: ts.Node;
}

/** Every subsystem of the program, the most polluted first (ties by name). */
export function computePollution(analysis: Analysis): SubsystemPollution[] {
  const knowledge = collect(analysis).filter((k) => k.owner !== k.subsystem);
  const subsystems = new Set<string>([...analysis.functions.values()].map((f) => f.subsystem));
  const result = [...subsystems].map((subsystem) => summarize(analysis, subsystem, knowledge));
  return result.sort((a, b) => b.lockKnowledgeImported - a.lockKnowledgeImported || a.subsystem.localeCompare(b.subsystem));
}

function summarize(analysis: Analysis, subsystem: string, knowledge: readonly Knowledge[]): SubsystemPollution {
  const mine = knowledge.filter((k) => k.subsystem === subsystem);
  const byLock = new Map<string, Knowledge[]>();
  for (const k of mine) byLock.set(k.lock, [...(byLock.get(k.lock) ?? []), k]);
  const foreignLocks = [...byLock].map(([lock, list]) => lockKnowledge(analysis, lock, list)).sort((a, b) => b.weight - a.weight || a.lock.localeCompare(b.lock));
  return {
    subsystem,
    lockKnowledgeImported: foreignLocks.reduce((sum, l) => sum + l.weight, 0),
    foreignLocks,
    leaksFrom: [...new Set(mine.map((k) => k.owner))].sort(),
    leaksInto: [...new Set(knowledge.filter((k) => k.owner === subsystem).map((k) => k.subsystem))].sort(),
  };
}

function lockKnowledge(analysis: Analysis, lock: string, list: readonly Knowledge[]): ForeignLockKnowledge {
  const distinct = new Map<string, Knowledge>();
  for (const k of list) if (!distinct.has(`${k.where}|${k.relation}`)) distinct.set(`${k.where}|${k.relation}`, k);
  const kept = [...distinct.values()];
  return {
    lock,
    owner: list[0]!.owner,
    relations: RELATION_ORDER.filter((r) => kept.some((k) => k.relation === r)),
    weight: kept.reduce((sum, k) => sum + RELATION_WEIGHTS[k.relation], 0),
    sites: kept.map((k) => ({ relation: k.relation, where: labelOf(analysis, k.where), location: analysis.location(k.node) })),
  };
}

/** Every place a subsystem's code touches a lock, as (subsystem, lock, relation); foreign ones are kept by the caller. */
function collect(analysis: Analysis): Knowledge[] {
  const flow = lockFlow(analysis);
  const subsystemOf = (key: string | undefined) => (key && analysis.functions.get(key)?.subsystem) || undefined;
  const out: Knowledge[] = [];
  const add = (subsystem: string | undefined, origin: LockOrigin, relation: PollutionRelation, where: string, node: ts.Node) => {
    if (subsystem) out.push({ subsystem, lock: origin.lock.id, owner: origin.owner, relation, where, node });
  };

  for (const handoff of flow.handoffs) {
    const foreignPeers = handoff.peers.filter((p) => p.subsystem !== handoff.subsystem);
    if (foreignPeers.length === 0) continue;
    switch (handoff.kind) {
      case 'parameter':
        add(handoff.subsystem, handoff.origin, 'receives', handoff.function, handoff.node);
        break;
      case 'argument':
        add(handoff.subsystem, handoff.origin, 'passes', handoff.function, handoff.node);
        break;
      case 'return':
        add(handoff.subsystem, handoff.origin, 'returns', handoff.function, handoff.node);
        for (const peer of foreignPeers) add(peer.subsystem, handoff.origin, 'receives', peer.function ?? peer.name, peer.site?.node ?? handoff.node);
        break;
      case 'store':
        add(handoff.subsystem, handoff.origin, 'passes', handoff.function, handoff.node);
        for (const peer of foreignPeers) add(peer.subsystem, handoff.origin, 'stores', peer.name, handoff.node);
        break;
    }
  }

  const dropped = new Set(flow.drops.map((d) => d.release));
  for (const use of flow.foreignUses) {
    if (use.use === 'release' && !dropped.has(use.node)) add(subsystemOf(use.function), use.origin, 'releases', use.function, use.node);
  }
  for (const drop of flow.drops) add(subsystemOf(drop.function), drop.origin, 'drops', drop.function, drop.release);

  for (const facts of analysis.facts.values()) {
    for (const op of facts.lockOps) {
      if (op.op.lock.paramIndex !== undefined || !['acquire', 'try-acquire', 'run-callback'].includes(op.op.kind)) continue;
      const owner = analysis.locks.get(op.op.lock.id)?.subsystem;
      if (owner) add(facts.info.subsystem, { lock: op.op.lock, owner, function: facts.info.key, how: 'lock' }, 'acquires', facts.info.key, op.node);
    }
  }

  for (const [key, annotations] of programAnnotations(analysis).functions) {
    for (const annotation of annotations) {
      for (const ref of annotation.refs) {
        const info = ref.id ? analysis.locks.get(ref.id) : undefined;
        if (!info) continue;
        const lock = { id: info.id, library: info.library, kind: info.kind, reentrant: info.reentrant };
        add(subsystemOf(key), { lock, owner: info.subsystem, function: key, how: 'lock' }, 'requires', key, annotation.tag);
      }
    }
  }
  return out;
}
