import type { LockwiseRule } from './support/rule.js';
import noUnacknowledgedBlocking from './no-unacknowledged-blocking.js';

/** Every lockwise rule, in the order the docs list them. Each file holds one rule. */
export const allRules: readonly LockwiseRule<any>[] = [noUnacknowledgedBlocking];

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
export { analysisFor, toEslintRule, type LockwiseSettings } from './support/eslint-rule.js';
