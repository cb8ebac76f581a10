import {
  hasAnnotation,
  lockFlow,
  originText,
  programAnnotations,
  type Analysis,
  type CalleeRelease,
  type ForeignLockUse,
  type ForeignThrough,
  type LockDrop,
  type LockFlow,
  type StaleState,
  type TraceStep,
} from '@lockwise/analyzer';
import ts from 'typescript';
import { defineRule, type RuleReport } from './support/rule.js';
import { at, carrierTrace, isAllowed, listText, placeText } from './support/no-lock-passing-words.js';

export interface Options {
  /** Deliberate release helpers (function keys or names): their releases, and calls to them, are not reported. */
  allow: string[];
}

/**
 * A function that releases a lock it did not acquire (through a parameter, a releaser another
 * subsystem returned, a lock another subsystem owns, or the region a lock API holds for it), and
 * the "temporarily drop the mutex" pattern: a held lock released and taken again around calls.
 */
export default defineRule<Options>({
  name: 'no-foreign-release',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow releasing a lock the function did not acquire, and dropping a held lock around a call',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      foreignRelease:
        '`{{function}}` releases the `{{owner}}` lock `{{lock}}` ({{origin}}), which it did not acquire: {{through}}. Only the code that takes a lock should give it back.',
      temporaryDrop:
        '`{{function}}` temporarily drops the `{{owner}}` lock `{{lock}}` ({{origin}}){{notOwn}}: released here and re-acquired at {{reacquiredAt}} around {{calls}}, so other code can take the lock in between.{{stale}}',
      droppedByCallee:
        '`{{call}}` temporarily drops the `{{owner}}` lock `{{lock}}` ({{origin}}) held here: `{{callee}}` releases it and re-acquires it, so other code can take the lock during the call.{{stale}}',
      releasedByCallee:
        '`{{state}}` is written after `{{call}}`, which releases the `{{owner}}` lock `{{lock}}` ({{origin}}) this code still relies on: `{{callee}}` gave it back, so the write runs without the lock.',
    },
    schema: {
      type: 'object',
      properties: { allow: { type: 'array', items: { type: 'string' } } },
      additionalProperties: false,
    },
    defaultOptions: { allow: [] },
  },
  check(analysis, options, scope) {
    const flow = lockFlow(analysis);
    // every report is in the function the finding is about (a callee release: the caller), so the scope's functions suffice
    const { foreignUses, drops, calleeReleases } = flow.within(scope);
    const allowed = (key: string | undefined) => isAllowed(analysis, options.allow, key);
    const dropped = new Set(drops.map((d) => d.release));
    const reports: RuleReport[] = [];
    for (const use of foreignUses) {
      if (use.use !== 'release' || dropped.has(use.node) || allowed(use.function)) continue;
      // an acquire wrapper's caller owns what it got back: the crossing is no-lock-passing's, at the wrapper's return
      if (use.through.kind === 'returned') continue;
      reports.push(foreignRelease(analysis, flow, use));
    }
    for (const drop of drops) {
      if (!allowed(drop.function)) reports.push(temporaryDrop(analysis, flow, drop));
    }
    for (const release of calleeReleases) {
      if (allowed(release.release.function)) continue;
      reports.push(...calleeReports(analysis, flow, release));
    }
    return reports;
  },
});

function foreignRelease(analysis: Analysis, flow: LockFlow, use: ForeignLockUse): RuleReport {
  const report: RuleReport = {
    node: use.node,
    messageId: 'foreignRelease',
    data: {
      function: flow.displayName(use.function),
      owner: use.origin.owner,
      lock: use.origin.lock.id,
      origin: originText(analysis, use.origin),
      through: throughText(analysis, flow, use.through),
    },
    lock: use.origin.lock.id,
    subsystems: { from: use.origin.owner, to: analysis.functions.get(use.function)?.subsystem ?? use.origin.owner },
    trace: [
      ...carrierTrace(analysis, flow, use.origin, use.through.kind === 'parameter' ? use.through.carrier : undefined),
      ...(use.through.kind === 'field' ? [at(analysis, use.through.stored, `stored into \`${use.through.field}\``)] : []),
      at(analysis, use.node, 'released here'),
    ],
  };
  // a function whose contract says it releases the lock is a release helper by design: listed, not reported
  if (hasAnnotation(programAnnotations(analysis), use.function, 'releases')) {
    report.acknowledgement = { by: 'jsdoc', reason: `${flow.displayName(use.function)} is documented @releases` };
  }
  return report;
}

function throughText(analysis: Analysis, flow: LockFlow, through: ForeignThrough): string {
  switch (through.kind) {
    case 'parameter': {
      const sender = through.carrier.path[through.carrier.path.length - 1]?.caller;
      const from = sender ? `, passed in by \`${flow.displayName(sender)}\`` : '';
      return through.member
        ? `through \`${through.param}.${through.member}()\` on its parameter${from}`
        : `through its parameter \`${through.param}\`${from}`;
    }
    case 'region': {
      const call = ts.isCallExpression(through.at) ? `\`${through.at.expression.getText()}()\` at ` : '';
      return `the callback of ${call}${placeText(analysis, through.at)} holds it, and that call releases it again when the callback ends`;
    }
    case 'returned':
      return `the release function came back from \`${flow.displayName(through.from)}\``;
    case 'foreign-lock':
      return 'the lock belongs to another subsystem';
    case 'field':
      return `through the field \`${through.field}\`, where \`${flow.displayName(through.storedBy)}\` stored its release function (${placeText(analysis, through.stored)})`;
  }
}

function temporaryDrop(analysis: Analysis, flow: LockFlow, drop: LockDrop): RuleReport {
  const subsystem = analysis.functions.get(drop.function)?.subsystem ?? drop.origin.owner;
  return {
    node: drop.release,
    messageId: 'temporaryDrop',
    data: {
      function: flow.displayName(drop.function),
      owner: drop.origin.owner,
      lock: drop.origin.lock.id,
      origin: originText(analysis, drop.origin),
      notOwn: drop.foreign ? ', which it did not acquire' : '',
      reacquiredAt: placeText(analysis, drop.reacquire),
      calls: listText(drop.calls.map((c) => `${c.calleeText}()`)),
      stale: staleText(drop.stale, 'the drop', 'the re-acquire'),
    },
    lock: drop.origin.lock.id,
    subsystems: { from: drop.origin.owner, to: subsystem },
    trace: [
      ...carrierTrace(analysis, flow, drop.origin, drop.foreign?.kind === 'parameter' ? drop.foreign.carrier : undefined),
      at(analysis, drop.release, 'released here'),
      ...drop.calls.map((c) => at(analysis, c.node, 'runs without the lock')),
      at(analysis, drop.reacquire, 're-acquired here'),
      ...staleSteps(analysis, drop.stale, 'the drop', 'the re-acquire'),
    ],
  };
}

function calleeReports(analysis: Analysis, flow: LockFlow, release: CalleeRelease): RuleReport[] {
  const { site, origin } = release;
  const callee = flow.displayName(release.release.function);
  const base = { owner: origin.owner, lock: origin.lock.id, origin: originText(analysis, origin), call: `${site.calleeText}()`, callee };
  const subsystems = { from: origin.owner, to: analysis.functions.get(release.release.function)?.subsystem ?? origin.owner };
  const calleeSteps: TraceStep[] = [
    ...carrierTrace(analysis, flow, origin, release.release.through.kind === 'parameter' ? release.release.through.carrier : undefined),
    at(analysis, release.release.node, `released by \`${callee}\``),
    ...(release.reacquire ? [at(analysis, release.reacquire.node, `re-acquired by \`${callee}\``)] : []),
  ];
  if (release.reacquire) {
    return [
      {
        node: site.node,
        messageId: 'droppedByCallee',
        data: { ...base, stale: staleText(release.stale, 'the call', 'it') },
        lock: origin.lock.id,
        subsystems,
        trace: [...calleeSteps, ...staleSteps(analysis, release.stale, 'the call', 'it')],
      },
    ];
  }
  return release.writesAfter.map((write) => ({
    node: write.node,
    messageId: 'releasedByCallee',
    data: { ...base, state: write.state },
    lock: origin.lock.id,
    subsystems,
    trace: [...calleeSteps, at(analysis, write.node, `\`${write.state}\` written without the lock`)],
  }));
}

function staleText(stale: readonly StaleState[], before: string, after: string): string {
  if (stale.length === 0) return '';
  const states = listText(stale.map((s) => s.state));
  const verb = stale.length === 1 ? 'is' : 'are';
  return ` ${states} ${verb} read before ${before} and written after ${after}: the write may rest on a stale value.`;
}

function staleSteps(analysis: Analysis, stale: readonly StaleState[], before: string, after: string): TraceStep[] {
  return stale.flatMap((s) => [at(analysis, s.read, `\`${s.state}\` read before ${before}`), at(analysis, s.write, `\`${s.state}\` written after ${after}`)]);
}
