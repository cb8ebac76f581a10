import path from 'node:path';
import { ESLintUtils, type TSESLint } from '@typescript-eslint/utils';
import { analyzeProgram, type Analysis, type AnalyzerOptions, type FileScope } from '@lockwise/analyzer';
import { runRule, withDefaults, type Finding, type RuleResult } from './findings.js';
import { docsUrl, type LockwiseRule } from './rule.js';

/** `settings.lockwise` in an ESLint config: the analyzer options the CLI reads from lockwise.config.json. */
export type LockwiseSettings = Omit<AnalyzerOptions, 'rootDir' | 'onProgress'> & { rootDir?: string };

/**
 * The analysis of the program typescript-eslint already built for this file: never a second
 * program. `analyzeProgram` caches per program object, so every rule and every file linted
 * against the same program share one analysis.
 */
export function analysisFor(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): Analysis {
  const services = ESLintUtils.getParserServices(context);
  const program = services.program;
  const settings = (context.settings.lockwise ?? {}) as LockwiseSettings;
  const configFile = program.getCompilerOptions().configFilePath;
  const rootDir = settings.rootDir
    ? path.resolve(context.cwd, settings.rootDir)
    : typeof configFile === 'string'
      ? path.dirname(configFile)
      : context.cwd;
  return analyzeProgram(program, { ...settings, rootDir });
}

const byFile = new WeakMap<RuleResult, Map<string, Finding[]>>();

/**
 * A result's findings located in one file. A lint run reads one result for each of its files:
 * grouped once, not filtered again for every file (a large program's result holds thousands).
 */
function findingsIn(result: RuleResult, fileName: string): Finding[] {
  let groups = byFile.get(result);
  if (!groups) {
    groups = new Map();
    for (const finding of result.findings) {
      const file = path.resolve(finding.location.file);
      const list = groups.get(file);
      if (list) list.push(finding);
      else groups.set(file, [finding]);
    }
    byFile.set(result, groups);
  }
  return groups.get(path.resolve(fileName)) ?? [];
}

const filesAsked = new WeakMap<Analysis, Set<string>>();

/**
 * An editor lints one file per program version: its rules need only that file's findings, and
 * skip the rest of the program. A lint run over many files against one program needs them all:
 * from the second file on, the whole program is checked once and every file reads from it.
 */
function scopeFor(analysis: Analysis, fileName: string): FileScope | undefined {
  let asked = filesAsked.get(analysis);
  if (!asked) filesAsked.set(analysis, (asked = new Set()));
  asked.add(path.resolve(fileName));
  if (asked.size > 1) return undefined;
  const sourceFile = analysis.program.getSourceFile(fileName);
  return sourceFile ? new Set([sourceFile]) : undefined;
}

/** Time spent in lockwise (analysis and rule checks) inside ESLint rule creation, for the benchmark. */
export const eslintFaceTimings = { ms: 0 };

/** The ESLint face of a lockwise rule: the whole-program findings that fall in the linted file. */
export function toEslintRule<O extends object>(rule: LockwiseRule<O>): TSESLint.RuleModule<string, [Partial<O>?]> & { name: string } {
  return {
    name: rule.name,
    meta: {
      type: rule.meta.type,
      docs: { description: rule.meta.docs.description, url: docsUrl(rule.name) },
      messages: rule.meta.messages,
      schema: [rule.meta.schema as never],
      hasSuggestions: rule.meta.hasSuggestions,
      defaultOptions: [rule.meta.defaultOptions],
    },
    defaultOptions: [rule.meta.defaultOptions],
    create(context) {
      const started = performance.now();
      const analysis = analysisFor(context);
      const options = withDefaults(rule, context.options[0]);
      const mine = findingsIn(runRule(analysis, rule, options, undefined, scopeFor(analysis, context.filename)), context.filename);
      eslintFaceTimings.ms += performance.now() - started;
      return {
        Program() {
          for (const finding of mine) {
            const { location } = finding;
            context.report({
              loc: {
                start: { line: location.line, column: location.column - 1 },
                end: { line: location.endLine, column: location.endColumn - 1 },
              },
              messageId: finding.messageId,
              data: finding.data,
              suggest: finding.suggestions?.map((s) => ({
                messageId: s.messageId,
                data: s.data,
                fix: (fixer) => s.edits.map((e) => fixer.replaceTextRange([e.start, e.end], e.text)),
              })),
            });
          }
        },
      };
    },
  };
}
