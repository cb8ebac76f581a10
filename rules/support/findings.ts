import { directiveFor, inScope, scopeKey, type Analysis, type FileScope, type SourceLocation, type TraceStep } from '@lockwise/analyzer';
import type { LockwiseRule, RuleReport, RuleSeverity } from './rule.js';

/** A finding as every face shows it: the same id, location and message in ESLint and the CLI. */
export interface Finding {
  ruleId: string;
  messageId: string;
  message: string;
  data: Record<string, string | number>;
  severity: RuleSeverity;
  location: SourceLocation;
  lock?: string;
  subsystems?: { from: string; to: string };
  trace: TraceStep[];
  suggestions?: RuleReport['suggestions'];
}

/** A hazard the code knowingly accepts, with who said so and why. */
export interface Acknowledgement {
  ruleId: string;
  message: string;
  location: SourceLocation;
  by: 'jsdoc' | 'config' | 'void' | 'directive' | 'eslint-directive' | 'primitive';
  reason: string;
  lock?: string;
}

export interface RuleResult {
  findings: Finding[];
  acknowledgements: Acknowledgement[];
}

export const RULE_ID_PREFIX = 'lockwise/';

/** ESLint's `{{ name }}` placeholder syntax, so the messages read the same in both faces. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(data, name) ? String(data[name]) : whole,
  );
}

const cache = new WeakMap<Analysis, Map<string, RuleResult>>();

/**
 * Runs one rule over the whole program (or only for the files of `scope`), once per
 * (analysis, rule, options, scope): every file an ESLint run lints reads from the same result. Reports under a `lockwise-ignore` directive
 * with a reason become acknowledgements; ESLint's own disable comments are left to ESLint
 * (the CLI applies them itself, see `applyEslintDirectives`).
 */
export function runRule<O extends object>(
  analysis: Analysis,
  rule: LockwiseRule<O>,
  options: O,
  severity: RuleSeverity = rule.meta.docs.severity,
  scope?: FileScope,
): RuleResult {
  let perRule = cache.get(analysis);
  if (!perRule) {
    perRule = new Map();
    cache.set(analysis, perRule);
  }
  const key = `${rule.name}\0${JSON.stringify(options)}\0${severity}\0${scopeKey(scope)}`;
  const cached = perRule.get(key);
  if (cached) return cached;
  const result: RuleResult = { findings: [], acknowledgements: [] };
  const seen = new Set<string>();
  for (const report of rule.check(analysis, options, scope)) {
    if (!inScope(scope, report.node)) continue;
    const finding = toFinding(analysis, rule, report, severity);
    const identity = `${finding.location.file}:${finding.location.line}:${finding.location.column}:${finding.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    if (report.acknowledgement) {
      result.acknowledgements.push({ ruleId: finding.ruleId, message: finding.message, location: finding.location, lock: finding.lock, ...report.acknowledgement });
      continue;
    }
    const directive = directiveFor(report.node, rule.name);
    if (directive?.kind === 'lockwise' && directive.reason) {
      result.acknowledgements.push({ ruleId: finding.ruleId, message: finding.message, location: finding.location, lock: finding.lock, by: 'directive', reason: directive.reason });
      continue;
    }
    result.findings.push(finding);
  }
  result.findings.sort(compareFindings);
  perRule.set(key, result);
  return result;
}

export function findingsOf<O extends object>(analysis: Analysis, rule: LockwiseRule<O>, options: O, severity?: RuleSeverity): Finding[] {
  return runRule(analysis, rule, options, severity).findings;
}

function toFinding<O extends object>(analysis: Analysis, rule: LockwiseRule<O>, report: RuleReport, severity: RuleSeverity): Finding {
  const template = rule.meta.messages[report.messageId];
  if (template === undefined) {
    throw new Error(`rule ${rule.name} reported unknown messageId '${report.messageId}'`);
  }
  return {
    ruleId: RULE_ID_PREFIX + rule.name,
    messageId: report.messageId,
    message: formatMessage(template, report.data),
    data: report.data ?? {},
    severity,
    location: analysis.location(report.node),
    lock: report.lock,
    subsystems: report.subsystems,
    trace: report.trace,
    suggestions: report.suggestions,
  };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.location.file.localeCompare(b.location.file) ||
    a.location.line - b.location.line ||
    a.location.column - b.location.column ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.message.localeCompare(b.message)
  );
}

/** Options as the user wrote them, over the rule's defaults (one level deep, like ESLint's defaultOptions merge). */
export function withDefaults<O extends object>(rule: LockwiseRule<O>, options: Partial<O> | undefined): O {
  return { ...rule.meta.defaultOptions, ...(options ?? {}) };
}
