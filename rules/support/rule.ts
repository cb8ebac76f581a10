import type ts from 'typescript';
import type { Analysis, FileScope, TraceStep } from '@lockwise/analyzer';

/** What a rule's check hands back: a node to anchor the finding, a message id and its data, and the proof. */
export interface RuleReport {
  node: ts.Node;
  messageId: string;
  data?: Record<string, string | number>;
  lock?: string;
  subsystems?: { from: string; to: string };
  trace: TraceStep[];
  /**
   * Set when the hazard is real but the code acknowledges it (a `@blocking` callee awaited in
   * place, a lock configured to be held across blocking, a `void` detach): not a finding, but
   * listed in the audit so a reviewer sees every place where serialization is knowingly broken.
   */
  acknowledgement?: { by: 'jsdoc' | 'config' | 'void' | 'directive' | 'eslint-directive' | 'primitive'; reason: string };
  /** Replacements offered as ESLint suggestions (and printed by the CLI as hints). */
  suggestions?: { messageId: string; data?: Record<string, string | number>; edits: { start: number; end: number; text: string }[] }[];
}

export type RuleSeverity = 'error' | 'warning';

export interface RuleMeta<Options> {
  type: 'problem' | 'suggestion';
  docs: {
    description: string;
    /** Which preset turns the rule on: `recommended` implies `strict`. */
    preset: 'recommended' | 'strict';
    /** Severity in the preset and in `lockwise audit` by default. */
    severity: RuleSeverity;
  };
  messages: Record<string, string>;
  /** JSON schema of the single options object. */
  schema: Record<string, unknown>;
  defaultOptions: Options;
  hasSuggestions?: boolean;
}

/**
 * A lockwise rule: metadata plus a check over the whole-program analysis. The same object
 * backs the ESLint rule (which asks for the file being linted) and the CLI (the whole program).
 * With a scope, a check may skip work whose reports would all fall outside it; reports outside
 * the scope are dropped by `runRule` either way, and those inside must be the whole run's.
 */
export interface LockwiseRule<Options extends object = object> {
  name: string;
  meta: RuleMeta<Options>;
  check(analysis: Analysis, options: Options, scope?: FileScope): RuleReport[];
}

export function defineRule<Options extends object>(rule: LockwiseRule<Options>): LockwiseRule<Options> {
  return rule;
}

export const DOCS_BASE_URL = 'https://github.com/lockwise/lockwise/blob/main/rules/';

export function docsUrl(ruleName: string): string {
  return `${DOCS_BASE_URL}${ruleName}.md`;
}
