import { hasAnnotation, lockFlow, originText, programAnnotations, type Analysis, type LockFlow, type LockHandoff, type LockPeer, type TraceStep } from '@lockwise/analyzer';
import { defineRule, type RuleReport } from './support/rule.js';
import { at, carriedText, carrierTrace, isAllowed } from './support/no-lock-passing-words.js';

export interface Options {
  /** Hand-offs between functions of the same subsystem are its own business. */
  allowWithinSubsystem: boolean;
  /** Deliberate lock helpers (function keys or names): a hand-off with one of them at either end is allowed. */
  allow: string[];
}

const MESSAGE_BY_KIND: Record<LockHandoff['kind'], string> = {
  argument: 'passedAsArgument',
  parameter: 'receivedAsParameter',
  return: 'returnedToCaller',
  store: 'storedIntoForeignState',
};

/**
 * A lock, its release function, its handle or a callback that releases it, crossing a
 * subsystem boundary: as an argument, into a parameter, as a return value, into a structure
 * another subsystem owns. Every crossing makes the receiving subsystem know a lock it does not own.
 */
export default defineRule<Options>({
  name: 'no-lock-passing',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow handing a lock, its releaser, its handle or a callback that releases it to another subsystem',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      passedAsArgument: 'The `{{owner}}` lock `{{lock}}` ({{origin}}) flows into `{{target}}`: {{what}} is passed from `{{from}}` to `{{to}}`. {{advice}}',
      receivedAsParameter: 'Parameter `{{param}}` of `{{target}}` receives the `{{owner}}` lock `{{lock}}` ({{origin}}) from `{{from}}` as {{what}}. {{advice}}',
      returnedToCaller: 'The `{{owner}}` lock `{{lock}}` ({{origin}}) flows into `{{target}}`: `{{function}}` returns {{what}} to a caller in `{{to}}`. {{advice}}',
      storedIntoForeignState: 'The `{{owner}}` lock `{{lock}}` ({{origin}}) flows into `{{target}}`: {{what}} is stored from `{{from}}` into a structure owned by `{{to}}`. {{advice}}',
    },
    schema: {
      type: 'object',
      properties: {
        allowWithinSubsystem: { type: 'boolean' },
        allow: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    },
    defaultOptions: { allowWithinSubsystem: true, allow: [] },
  },
  check(analysis, options, scope) {
    const flow = lockFlow(analysis);
    const reports: RuleReport[] = [];
    // one finding per crossing: an argument feeding a lock-typed parameter is a step of the parameter's trace
    for (const handoff of flow.within(scope).handoffs.filter((h) => !h.secondary)) {
      const peer = handoff.peers.find((p) => crosses(analysis, options, handoff, p));
      if (peer) reports.push(report(analysis, flow, handoff, peer));
    }
    return reports;
  },
});

/**
 * A hand-off is reported when its two ends are in different subsystems; with
 * `allowWithinSubsystem: false`, also inside one subsystem, except where a function documents
 * the lock contract it takes part in (`@acquires`, `@releases`, `@requires`).
 */
function crosses(analysis: Analysis, options: Options, handoff: LockHandoff, peer: LockPeer): boolean {
  if (isAllowed(analysis, options.allow, handoff.function) || isAllowed(analysis, options.allow, peer.function)) return false;
  if (peer.subsystem !== handoff.subsystem) return true;
  if (options.allowWithinSubsystem) return false;
  const annotations = programAnnotations(analysis);
  const documented = (key: string | undefined) =>
    !!key && (['acquires', 'releases', 'requires'] as const).some((kind) => hasAnnotation(annotations, key, kind));
  return !documented(handoff.function) && !documented(peer.function);
}

function report(analysis: Analysis, flow: LockFlow, handoff: LockHandoff, peer: LockPeer): RuleReport {
  const { origin, carriers } = handoff;
  const sender = handoff.kind === 'parameter' ? peer.subsystem : handoff.subsystem;
  const receiver = handoff.kind === 'parameter' ? handoff.subsystem : peer.subsystem;
  const target = handoff.kind === 'parameter' ? flow.displayName(handoff.function) : peer.name;
  return {
    node: handoff.node,
    messageId: MESSAGE_BY_KIND[handoff.kind],
    data: {
      owner: origin.owner,
      lock: origin.lock.id,
      origin: originText(analysis, origin),
      what: carriedText(carriers),
      target,
      from: sender,
      to: receiver,
      function: flow.displayName(handoff.function),
      param: handoff.node.getText(),
      advice: advice(handoff.kind, sender, receiver),
    },
    lock: origin.lock.id,
    subsystems: { from: sender, to: receiver },
    trace: [...carrierTrace(analysis, flow, origin, carrierFrom(handoff, peer)), ...crossingSteps(analysis, flow, handoff, peer)],
  };
}

const CROSSING_ADVICE: Record<LockHandoff['kind'], (from: string, to: string) => string> = {
  argument: (from, to) => `\`${to}\` now has to know about a lock it does not own: release it before the call, or let \`${to}\` use a lock of its own.`,
  parameter: (from, to) => `\`${to}\` has to know about a lock it does not own: take a lock of its own, or let \`${from}\` release before the call.`,
  return: (from, to) => `\`${to}\` now has to know about a lock it does not own and give it back: keep taking and releasing it inside \`${from}\`.`,
  store: (from, to) => `\`${to}\` now keeps a lock it does not own: keep the value inside \`${from}\`.`,
};

function advice(kind: LockHandoff['kind'], from: string, to: string): string {
  if (from !== to) return CROSSING_ADVICE[kind](from, to);
  return `Inside \`${to}\` this is allowed only for documented lock helpers (\`@acquires\`, \`@releases\`, \`@requires\`) or those in the \`allow\` option.`;
}

/** The carrier that came from this peer, for a parameter with several senders. */
function carrierFrom(handoff: LockHandoff, peer: LockPeer) {
  if (handoff.kind !== 'parameter') return handoff.carriers[0];
  return handoff.carriers.find((c) => c.path[c.path.length - 1]?.caller === peer.function) ?? handoff.carriers[0];
}

function crossingSteps(analysis: Analysis, flow: LockFlow, handoff: LockHandoff, peer: LockPeer): TraceStep[] {
  switch (handoff.kind) {
    case 'argument':
      return [at(analysis, handoff.node, `crosses from \`${handoff.subsystem}\` into \`${peer.name}\` (\`${peer.subsystem}\`)`)];
    case 'parameter':
      return [at(analysis, handoff.node, `received by \`${flow.displayName(handoff.function)}\` in \`${handoff.subsystem}\``)];
    case 'return':
      return [
        at(analysis, handoff.node, `returned from \`${flow.displayName(handoff.function)}\``),
        ...(peer.site ? [at(analysis, peer.site.node, `received by \`${peer.name}\` in \`${peer.subsystem}\``)] : []),
      ];
    case 'store':
      return [at(analysis, handoff.node, `stored into \`${peer.name}\`, owned by \`${peer.subsystem}\``)];
  }
}
