import { distinctInstances, holdAndWait, type Analysis, type HoldAndWait, type LockIdentity } from '@lockwise/analyzer';
import { defineRule, type RuleReport } from './support/rule.js';
import { acquisitionSubsystem, at, holdAndWaitSteps } from './support/no-reentrant-acquire-trace.js';
import { lockSubsystem } from './support/trace.js';

export interface Options {
  /** Also report a keyed lock acquired with a key that is not a literal while a key of the same lock is held. */
  reportUnknownKeys: boolean;
}

/** Whether the two ends of a hold-and-wait are one lock: surely, only if an unknown key equals the held one, or not. */
type Sameness = 'same' | 'maybe-same-key' | undefined;

/**
 * A call made while holding a lock that waits to acquire the same lock, directly or through
 * any depth of calls, callbacks, dispatch and subsystems. A non-reentrant lock waits for
 * itself: the task never proceeds and every other task that needs the lock stops behind it.
 */
export default defineRule<Options>({
  name: 'no-reentrant-acquire',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow acquiring a non-reentrant lock that is already held on a call path into the acquisition',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      reentrant:
        'Lock `{{lock}}` is already held here (acquired at {{heldAt}}), and {{call}} acquires it again: `{{api}}` at {{acquiredAt}} in `{{subsystem}}`. The lock is not reentrant, so the second acquisition waits for the first forever (or fails).',
      reentrantUnknownKey:
        'Lock `{{lock}}` is held here (acquired at {{heldAt}}), and {{call}} acquires `{{other}}`, whose key is not a literal: `{{api}}` at {{acquiredAt}} in `{{subsystem}}`. If the keys are equal, the second acquisition waits for the first forever.',
    },
    schema: {
      type: 'object',
      properties: { reportUnknownKeys: { type: 'boolean' } },
      additionalProperties: false,
    },
    defaultOptions: { reportUnknownKeys: false },
  },
  check(analysis, options, scope) {
    const reentrant = new Set(analysis.options.locks?.reentrant ?? []);
    const reports: RuleReport[] = [];
    const reported = new Set<string>();
    for (const event of holdAndWait(analysis, scope).events) {
      const sameness = sameLock(event, reentrant);
      if (!sameness || (sameness === 'maybe-same-key' && !options.reportUnknownKeys)) continue;
      const once = `${event.site.node.getSourceFile().fileName}:${event.site.node.pos}:${event.held.lock.id}:${event.acquisition.lock.id}`;
      if (reported.has(once)) continue;
      reported.add(once);
      reports.push(report(analysis, event, sameness));
    }
    return reports;
  },
});

function report(analysis: Analysis, event: HoldAndWait, sameness: 'same' | 'maybe-same-key'): RuleReport {
  const { held, acquisition, site } = event;
  const subsystem = acquisitionSubsystem(analysis, event);
  return {
    node: site.node,
    messageId: sameness === 'same' ? 'reentrant' : 'reentrantUnknownKey',
    data: {
      lock: held.lock.id,
      other: acquisition.lock.id,
      heldAt: at(analysis, held.acquiredAt),
      call: `\`${site.calleeText}()\``,
      api: acquisition.api,
      acquiredAt: at(analysis, acquisition.at),
      subsystem,
    },
    lock: held.lock.id,
    subsystems: { from: lockSubsystem(analysis, held), to: subsystem },
    trace: holdAndWaitSteps(analysis, event, sameness === 'same' ? `acquires ${acquisition.lock.id} again` : `acquires ${acquisition.lock.id} (the key may be the held one)`),
  };
}

function sameLock(event: HoldAndWait, configuredReentrant: ReadonlySet<string>): Sameness {
  const held = event.held.lock;
  const wanted = event.acquisition.lock;
  const reentrant = (lock: LockIdentity) => lock.reentrant || configuredReentrant.has(lock.id) || configuredReentrant.has(family(lock));
  if (reentrant(held) || reentrant(wanted)) return undefined;
  if (event.heldShared && event.acquisition.shared) return undefined;
  // Field locks are named per class: `from.mu` inside `to.mu` is two accounts, not one.
  if (distinctInstances(event.heldInstance, event.acquisition.instance)) return undefined;
  if (held.keyed && wanted.keyed) {
    if (family(held) !== family(wanted)) return undefined;
    if (held.key === undefined || wanted.key === undefined) return 'maybe-same-key';
    const keys = new Set(held.key.split(','));
    return wanted.key.split(',').some((k) => keys.has(k)) ? 'same' : undefined;
  }
  return held.id === wanted.id ? 'same' : undefined;
}

/** A keyed lock's identity without its key: `Class#locks['a']` → `Class#locks`. */
function family(lock: LockIdentity): string {
  if (!lock.keyed) return lock.id;
  const bracket = lock.id.lastIndexOf('[');
  return bracket > 0 ? lock.id.slice(0, bracket) : lock.id;
}
