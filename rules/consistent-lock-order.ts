import { inScope, type Analysis, type TraceStep } from '@lockwise/analyzer';
import { lockOrderEdge, lockOrderGraphCycles, type LockOrderEdge, type LockOrderWitness } from './support/consistent-lock-order-graph.js';
import { acquisitionSubsystem, at } from './support/no-reentrant-acquire-trace.js';
import { defineRule, type RuleReport } from './support/rule.js';

export interface Options {
  /** Also report cycles through a keyed lock taken with a key that is not a literal (`locks[*]`). */
  reportUnknownKeys: boolean;
  /** Stop enumerating cycles after this many. */
  maxCycles: number;
}

/**
 * Two or more locks taken in orders that form a cycle: an edge A → B wherever B is acquired
 * while A is held, on any path through any depth of calls. Every edge of every cycle is
 * reported where it is made, with the paths that make the other edges. A cycle whose edges
 * all run under one common outer lock cannot deadlock (the outer lock serializes them).
 */
export default defineRule<Options>({
  name: 'consistent-lock-order',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require locks to be acquired in one global order: report every cycle in the lock-order graph',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      inversion:
        'Locks `{{first}}` and `{{second}}` are taken in opposite orders: {{call}} acquires `{{second}}` while `{{first}}` is held (acquired at {{heldAt}}), and at {{otherAt}} `{{first}}` is acquired while `{{second}}` is held. Two tasks can each hold one and wait for the other forever.',
      cycle:
        'Lock order cycle {{cycle}}: {{call}} acquires `{{second}}` while `{{first}}` is held (acquired at {{heldAt}}); the other edges are made at {{others}}. Tasks that each hold one of these locks can wait for each other forever.',
    },
    schema: {
      type: 'object',
      properties: {
        reportUnknownKeys: { type: 'boolean' },
        maxCycles: { type: 'integer', minimum: 1 },
      },
      additionalProperties: false,
    },
    defaultOptions: { reportUnknownKeys: false, maxCycles: 1000 },
  },
  check(analysis, options, scope) {
    const reports: RuleReport[] = [];
    for (const cycle of lockOrderGraphCycles(analysis, options.maxCycles)) {
      if (!options.reportUnknownKeys && cycle.some((id) => id.endsWith('[*]'))) continue;
      const cycleEdges = cycle.map((from, i) => lockOrderEdge(analysis, from, cycle[(i + 1) % cycle.length]!)!);
      cycleEdges.forEach((edge, i) => {
        for (const witness of edge.witnesses) {
          // the cycles are the whole program's; a scoped run reports only the edges made in its files
          if (!inScope(scope, witness.event.site.node)) continue;
          const others = unserializedPartners(cycleEdges, i, witness);
          if (others) reports.push(report(analysis, cycle, i, witness, others));
        }
      });
    }
    return reports;
  },
});

/**
 * Witnesses of the other edges of the cycle such that no one lock is held around all of them:
 * then the edges can run at the same time. Undefined when every combination shares a gate lock.
 */
function unserializedPartners(edges: LockOrderEdge[], index: number, witness: LockOrderWitness): LockOrderWitness[] | undefined {
  const order = edges.map((_, k) => (index + 1 + k) % edges.length).slice(0, -1);
  const chosen: LockOrderWitness[] = [];
  let budget = 10_000;
  const search = (k: number, common: Set<string>): boolean => {
    if (k === order.length) return common.size === 0;
    for (const candidate of edges[order[k]!]!.witnesses) {
      if (--budget < 0) return false;
      chosen.push(candidate);
      if (search(k + 1, new Set(candidate.gates.filter((g) => common.has(g))))) return true;
      chosen.pop();
    }
    return false;
  };
  return search(0, new Set(witness.gates)) ? chosen : undefined;
}

function report(analysis: Analysis, cycle: string[], index: number, witness: LockOrderWitness, others: LockOrderWitness[]): RuleReport {
  const { event } = witness;
  const first = event.held.lock.id;
  const second = event.acquisition.lock.id;
  const rotated = [...cycle.slice(index), ...cycle.slice(0, index), cycle[index]!];
  const trace: TraceStep[] = [
    ...witness.trace,
    ...others.flatMap((other) => other.trace.map((step, k) => (k === 0 ? { ...step, message: `elsewhere, ${step.message}` } : step))),
  ];
  return {
    node: event.site.node,
    messageId: cycle.length === 2 ? 'inversion' : 'cycle',
    data: {
      first,
      second,
      call: `\`${event.site.calleeText}()\``,
      heldAt: at(analysis, event.held.acquiredAt),
      otherAt: at(analysis, others[0]!.event.site.node),
      cycle: rotated.map((id) => `\`${id}\``).join(' → '),
      others: others.map((o) => at(analysis, o.event.site.node)).join(', '),
    },
    lock: first,
    subsystems: { from: analysis.functions.get(event.function)?.subsystem ?? '(root)', to: acquisitionSubsystem(analysis, event) },
    trace,
  };
}
