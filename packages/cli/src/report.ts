import path from 'node:path';
import type { AnalysisDiagnostic, AnalysisStats, LockInfo, SourceLocation } from '@lockwise/analyzer';
import type { Acknowledgement, Finding, LockOrderGraphData, RuleSeverity, SubsystemPollution } from '@lockwise/rules';

/** A rule as the report describes it (SARIF `tool.driver.rules`, `lockwise rules`). */
export interface RuleDescriptor {
  /** Bare name, `no-lock-passing`. */
  name: string;
  /** `lockwise/no-lock-passing`: what findings carry as `ruleId`. */
  id: string;
  description: string;
  /** Default severity (the rule's metadata), not the configured one. */
  defaultSeverity: RuleSeverity;
  helpUri: string;
}

/** Everything a formatter needs; locations in it are absolute, formatters make them relative. */
export interface AuditReport {
  tool: { name: string; version: string };
  /** Audited directory, absolute POSIX: every `file` in the output is relative to it. */
  rootDir: string;
  findings: readonly Finding[];
  acknowledgements: readonly Acknowledgement[];
  locks: readonly LockInfo[];
  /** Per subsystem, the foreign locks its code must know about; worst first. */
  pollution: readonly SubsystemPollution[];
  /** The program's lock-order graph, with every cycle. */
  lockOrder: LockOrderGraphData;
  stats: AnalysisStats;
  /** The rules that ran. */
  rules: readonly RuleDescriptor[];
  /** Analysis and rule diagnostics (internal errors): on stderr, and in SARIF's invocation. */
  diagnostics: readonly AnalysisDiagnostic[];
  /** Text of a source file by absolute path, for code frames and fingerprints. */
  sourceText(file: string): string | undefined;
}

export function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}

/** POSIX path of `file` relative to `rootDir`. */
export function relativeFile(rootDir: string, file: string): string {
  if (!path.isAbsolute(file) && !/^[A-Za-z]:[\\/]/.test(file)) return toPosix(file);
  return toPosix(path.relative(rootDir, file)) || toPosix(path.basename(file));
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fixed order of findings in every format: file, position, rule, message. Locale-independent. */
export function sortFindings(rootDir: string, findings: readonly Finding[]): Finding[] {
  return findings
    .map((f) => ({ f, file: relativeFile(rootDir, f.location.file) }))
    .sort(
      (a, b) =>
        cmp(a.file, b.file) ||
        cmp(a.f.location.line, b.f.location.line) ||
        cmp(a.f.location.column, b.f.location.column) ||
        cmp(a.f.location.endLine, b.f.location.endLine) ||
        cmp(a.f.location.endColumn, b.f.location.endColumn) ||
        cmp(a.f.ruleId, b.f.ruleId) ||
        cmp(a.f.message, b.f.message),
    )
    .map(({ f }) => f);
}

export function compareLocations(rootDir: string, a: SourceLocation, b: SourceLocation): number {
  return (
    cmp(relativeFile(rootDir, a.file), relativeFile(rootDir, b.file)) ||
    cmp(a.line, b.line) ||
    cmp(a.column, b.column)
  );
}

export function countBySeverity(findings: readonly Finding[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
