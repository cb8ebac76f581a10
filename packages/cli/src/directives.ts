import type ts from 'typescript';
import { directivesOf } from '@lockwise/analyzer';
import { type Acknowledgement, type Finding, RULE_ID_PREFIX } from '@lockwise/rules';

/**
 * ESLint's `// eslint-disable-next-line lockwise/<rule>` (and `-line`, and the bare form for
 * every rule) silence a finding in the editor; the CLI honours the same comments so that both
 * faces agree. A silenced finding is not dropped: it becomes an acknowledgement (`by:
 * 'eslint-directive'`), which the audit lists. lockwise's own `lockwise-ignore` directives are
 * applied by the rules (`runRule`).
 */
export function applyEslintDirectives(
  findings: readonly Finding[],
  program: ts.Program,
): { findings: Finding[]; acknowledgements: Acknowledgement[] } {
  const kept: Finding[] = [];
  const acknowledgements: Acknowledgement[] = [];
  for (const f of findings) {
    const sourceFile = program.getSourceFile(f.location.file);
    const rule = f.ruleId.startsWith(RULE_ID_PREFIX) ? f.ruleId.slice(RULE_ID_PREFIX.length) : f.ruleId;
    const directive = sourceFile
      ? directivesOf(sourceFile)
          .get(f.location.line)
          ?.find((d) => d.kind === 'eslint' && (d.rules.length === 0 || d.rules.includes(rule)))
      : undefined;
    if (!directive) {
      kept.push(f);
      continue;
    }
    acknowledgements.push({
      ruleId: f.ruleId,
      message: f.message,
      location: f.location,
      ...(f.lock !== undefined ? { lock: f.lock } : {}),
      by: 'eslint-directive',
      reason: directive.reason ?? '',
    });
  }
  return { findings: kept, acknowledgements };
}
