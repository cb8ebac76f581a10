import { directiveFor, factsInScope, sitesWaitedOn, type Analysis, type BlockingFact, type CallSite, type HeldLock } from '@lockwise/analyzer';
import ts from 'typescript';
import { defineRule, type RuleReport } from './support/rule.js';
import { chainOperation, chainSteps, heldStep, lockSubsystem, step } from './support/trace.js';

export interface Options {
  /** Also report blocking calls into the lock's own subsystem (its normal job, so off by default). */
  reportOwnSubsystem: boolean;
  /** Report `emit()` under a lock: listeners registered anywhere run inside the region. */
  reportEmit: boolean;
}

interface Crossing {
  site: CallSite;
  subsystem: string;
  fact: BlockingFact;
}

/**
 * Inside a held region, a call into another subsystem that may block. One finding per region
 * (at the acquisition), listing every such call: the lock holder must see them all at once.
 */
export default defineRule<Options>({
  name: 'no-unacknowledged-blocking',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow holding a lock across a call into another subsystem that may block, unless the call is acknowledged',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      blockingUnderLock:
        'Lock `{{lock}}` is held across {{calls}}, which may block in `{{subsystem}}` ({{operation}}). Release the lock before the call, or acknowledge it.',
      emitUnderLock:
        'Lock `{{lock}}` is held while `{{call}}` runs listeners that other subsystems register; they may block or take locks. Emit after the region.',
      syncLockAcrossYield: 'Lock `{{lock}}` cannot be held across `await`: it is a synchronous lock and stays taken while other code runs.',
      noBlockingRegion: 'Lock `{{lock}}` must not yield, but {{call}} may block ({{operation}}).',
    },
    schema: {
      type: 'object',
      properties: {
        reportOwnSubsystem: { type: 'boolean' },
        reportEmit: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    defaultOptions: { reportOwnSubsystem: false, reportEmit: true },
  },
  check(analysis, options, scope) {
    const reports: RuleReport[] = [];
    const heldAcross = new Set(analysis.options.locks?.heldAcrossBlocking ?? []);
    const noYield = new Set(analysis.options.locks?.noYield ?? []);
    // Regions keyed by where the lock was taken: one finding each.
    const regions = new Map<ts.Node, { held: HeldLock; crossings: Crossing[] }>();

    for (const facts of factsInScope(analysis, scope)) {
      const waited = sitesWaitedOn(facts);
      for (const site of facts.calls) {
        if (site.held.length === 0) continue;
        if (options.reportEmit && site.external?.kind === 'emit') {
          const innermost = site.held[site.held.length - 1]!;
          reports.push({
            node: site.node,
            messageId: 'emitUnderLock',
            data: { lock: innermost.lock.id, call: `${site.calleeText}()` },
            lock: innermost.lock.id,
            trace: [heldStep(analysis, innermost), step(analysis, site.node, 'listeners run here, inside the region')],
          });
          continue;
        }
        if (!waited.has(site)) continue;
        for (const held of site.held) {
          if (noYield.has(held.lock.id)) {
            const fact = blockingOf(analysis, site);
            if (fact) {
              reports.push({
                node: site.node,
                messageId: 'noBlockingRegion',
                data: { lock: held.lock.id, call: `\`${site.calleeText}()\``, operation: chainOperation(fact.chain) },
                lock: held.lock.id,
                trace: [heldStep(analysis, held), ...chainSteps(analysis, fact.chain)],
              });
            }
            continue;
          }
          const owner = lockSubsystem(analysis, held);
          const crossing = foreignBlocking(analysis, site, owner, options.reportOwnSubsystem);
          if (!crossing) continue;
          let region = regions.get(held.acquiredAt);
          if (!region) {
            region = { held, crossings: [] };
            regions.set(held.acquiredAt, region);
          }
          const acknowledged = acknowledgement(analysis, site, held, heldAcross);
          if (acknowledged) {
            reports.push({
              node: site.node,
              messageId: 'blockingUnderLock',
              data: messageData(held, [crossing]),
              lock: held.lock.id,
              subsystems: { from: owner, to: crossing.subsystem },
              trace: [heldStep(analysis, held), ...chainSteps(analysis, crossing.fact.chain)],
              acknowledgement: acknowledged,
            });
            continue;
          }
          if (!region.crossings.some((c) => c.site === site)) region.crossings.push(crossing);
        }
      }
      for (const y of facts.yields) {
        for (const held of y.held) {
          if (held.lock.kind !== 'sync') continue;
          reports.push({
            node: y.node,
            messageId: 'syncLockAcrossYield',
            data: { lock: held.lock.id },
            lock: held.lock.id,
            trace: [heldStep(analysis, held), step(analysis, y.node, 'yields here')],
          });
        }
      }
    }

    for (const { held, crossings } of regions.values()) {
      if (crossings.length === 0) continue;
      const owner = lockSubsystem(analysis, held);
      reports.push({
        node: held.acquiredAt,
        messageId: 'blockingUnderLock',
        data: messageData(held, crossings),
        lock: held.lock.id,
        subsystems: { from: owner, to: crossings[0]!.subsystem },
        trace: [
          heldStep(analysis, held),
          ...crossings.flatMap((c) => chainSteps(analysis, c.fact.chain)),
        ],
      });
    }
    return reports;
  },
});

function messageData(held: HeldLock, crossings: Crossing[]): Record<string, string> {
  const calls = crossings.map((c) => `\`${c.site.calleeText}()\``);
  const subsystems = [...new Set(crossings.map((c) => c.subsystem))];
  return {
    lock: held.lock.id,
    calls: calls.length === 1 ? calls[0]! : `${calls.slice(0, -1).join(', ')} and ${calls[calls.length - 1]}`,
    subsystem: subsystems.join('`, `'),
    operation: chainOperation(crossings[0]!.fact.chain),
  };
}

/** The blocking chain of a call, through any of its targets (or the operation itself). */
function blockingOf(analysis: Analysis, site: CallSite): BlockingFact | undefined {
  for (const target of site.targets) {
    const fact = analysis.summaries.get(target)?.mayBlock;
    if (fact) return { chain: [{ from: site.caller, call: site.node, to: target }, ...fact.chain] };
  }
  for (const cb of site.callbackArgs) {
    const fact = analysis.summaries.get(cb.fn)?.mayBlock;
    if (fact && site.external?.kind !== 'lock-op') return { chain: [{ from: site.caller, call: site.node, to: cb.fn }, ...fact.chain] };
  }
  return undefined;
}

/**
 * A blocking chain from this call that reaches code of a subsystem other than the lock's:
 * the callee itself lives elsewhere, or an own-subsystem helper calls out.
 */
function foreignBlocking(analysis: Analysis, site: CallSite, owner: string, includeOwn: boolean): Crossing | undefined {
  for (const target of site.targets) {
    const summary = analysis.summaries.get(target);
    if (!summary?.mayBlock) continue;
    const link = { from: site.caller, call: site.node, to: target };
    const calleeSubsystem = analysis.functions.get(target)?.subsystem ?? owner;
    if (calleeSubsystem !== owner) {
      return { site, subsystem: calleeSubsystem, fact: { chain: [link, ...summary.mayBlock.chain] } };
    }
    for (const [subsystem, fact] of summary.blockingThrough) {
      if (subsystem !== owner) return { site, subsystem, fact: { chain: [link, ...fact.chain] } };
    }
    if (includeOwn) return { site, subsystem: owner, fact: { chain: [link, ...summary.mayBlock.chain] } };
  }
  return undefined;
}

function acknowledgement(
  analysis: Analysis,
  site: CallSite,
  held: HeldLock,
  heldAcross: ReadonlySet<string>,
): RuleReport['acknowledgement'] | undefined {
  const directive = directiveFor(site.node, 'no-unacknowledged-blocking');
  if (directive?.reason) {
    return { by: directive.kind === 'lockwise' ? 'directive' : 'eslint-directive', reason: directive.reason };
  }
  if (heldAcross.has(held.lock.id)) {
    return { by: 'config', reason: `lock ${held.lock.id} is configured as held across blocking` };
  }
  if (site.awaited) {
    for (const target of site.targets) {
      const tags = analysis.functions.get(target)?.tags;
      const blocking = tags?.get('blocking');
      if (blocking) return { by: 'jsdoc', reason: blocking[0] || `${analysis.functions.get(target)?.name} is documented @blocking` };
    }
  }
  return undefined;
}
