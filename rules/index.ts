import type { LockwiseRule } from './support/rule.js';
import noUnacknowledgedBlocking from './no-unacknowledged-blocking.js';
import noReentrantAcquire from './no-reentrant-acquire.js';
import consistentLockOrder from './consistent-lock-order.js';
import releaseOnAllPaths from './release-on-all-paths.js';
import guardedAccess from './guarded-access.js';
import noLockPassing from './no-lock-passing.js';
import noForeignRelease from './no-foreign-release.js';
import noStaleStateAcrossAwait from './no-stale-state-across-await.js';
import noEscapingAsyncInLock from './no-escaping-async-in-lock.js';

/** Every lockwise rule, in the order the docs list them. Each file holds one rule. */
export const allRules: readonly LockwiseRule<any>[] = [noLockPassing, noForeignRelease, noUnacknowledgedBlocking, noStaleStateAcrossAwait, noEscapingAsyncInLock, noReentrantAcquire, consistentLockOrder, releaseOnAllPaths, guardedAccess];

export const rulesByName: ReadonlyMap<string, LockwiseRule<any>> = new Map(allRules.map((r) => [r.name, r]));

export { defineRule, docsUrl, type LockwiseRule, type RuleMeta, type RuleReport, type RuleSeverity } from './support/rule.js';
export {
  compareFindings,
  findingsOf,
  formatMessage,
  runRule,
  withDefaults,
  RULE_ID_PREFIX,
  type Acknowledgement,
  type Finding,
  type RuleResult,
} from './support/findings.js';
export { analysisFor, eslintFaceTimings, toEslintRule, type LockwiseSettings } from './support/eslint-rule.js';
export {
  lockOrderGraph,
  lockOrderGraphData,
  lockOrderCycles,
  type LockOrderEdge,
  type LockOrderGraph,
  type LockOrderGraphData,
  type LockOrderNode,
  type LockOrderWitness,
} from './support/consistent-lock-order-graph.js';
export { computePollution, type ForeignLockKnowledge, type PollutionRelation, type SubsystemPollution } from './support/pollution.js';
