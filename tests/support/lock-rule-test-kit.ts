import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { analyzeProgram, type Analysis, type AnalyzerOptions } from '@lockwise/analyzer';
import { findingsOf, type Finding } from '@lockwise/rules';
import type { LockwiseRule } from '@lockwise/rules';

/**
 * Test helpers shared by the deadlock rules' suites (`no-reentrant-acquire`,
 * `consistent-lock-order`). Positions are found from the text they point at, so an expected
 * error names the code it is about instead of bare numbers; the assertion stays exact.
 */

export const CASE_FILE = 'src/app/case.ts';
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const FIXTURE = path.join(REPO, 'fixtures', 'rule-tester');

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** The exact 1-based span of the `occurrence`-th `text` in `code`. */
export function span(code: string, text: string, occurrence = 1): Span {
  let index = -1;
  for (let i = 0; i < occurrence; i++) {
    index = code.indexOf(text, index + 1);
    if (index < 0) throw new Error(`'${text}' occurs fewer than ${occurrence} times in the case`);
  }
  const position = (offset: number) => {
    const before = code.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  const start = position(index);
  const end = position(index + text.length);
  return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** `src/app/case.ts:12:7` for the start of `text` in the case code (or in a fixture file). */
export function at(code: string, text: string, occurrence = 1, file = CASE_FILE): string {
  const { line, column } = span(code, text, occurrence);
  return `${file}:${line}:${column}`;
}

/** `at` for a text in one of the fixture's real modules (`src/other/journal-sink.ts`). */
export function atFixture(file: string, text: string, occurrence = 1): string {
  return at(readFileSync(path.join(FIXTURE, file), 'utf8'), text, occurrence, file);
}

/**
 * The analysis of the rule-tester fixture with `code` as the case file: what the ESLint face
 * sees, for assertions the RuleTester cannot make (findings in other files, traces, known
 * limitations written as `it.fails`).
 */
export function analyzeCase(code: string, options: Partial<AnalyzerOptions> = {}): Analysis {
  return analyzeProject(FIXTURE, options, { [path.join(FIXTURE, CASE_FILE)]: code });
}

/** The analysis of a fixture project (a directory with a tsconfig.json, relative to the repository), some files replaced. */
export function analyzeProject(dir: string, options: Partial<AnalyzerOptions> = {}, replaced: Record<string, string> = {}): Analysis {
  const root = path.resolve(REPO, dir);
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const host = ts.createCompilerHost(config.options, true);
  const read = host.getSourceFile;
  const texts = new Map(Object.entries(replaced).map(([file, text]) => [file.split(path.sep).join('/'), text]));
  host.getSourceFile = (fileName, version, onError, create) => {
    const text = texts.get(fileName);
    return text !== undefined ? ts.createSourceFile(fileName, text, version, true) : read.call(host, fileName, version, onError, create);
  };
  const program = ts.createProgram(config.fileNames, config.options, host);
  return analyzeProgram(program, { rootDir: root, ...options });
}

export interface FindingSummary {
  file: string;
  line: number;
  column: number;
  messageId: string;
  lock?: string;
}

/** Findings of a rule as `file:line:col messageId` rows, every file included. */
export function findingRows<O extends object>(analysis: Analysis, rule: LockwiseRule<O>, options: Partial<O> = {}): (FindingSummary & { finding: Finding })[] {
  return findingsOf(analysis, rule, { ...rule.meta.defaultOptions, ...options }).map((finding) => ({
    file: analysis.relativePath(finding.location.file),
    line: finding.location.line,
    column: finding.location.column,
    messageId: finding.messageId,
    lock: finding.lock,
    finding,
  }));
}

/** Trace steps as `file:line:col message` lines. */
export function traceLines(analysis: Analysis, finding: Finding): string[] {
  return finding.trace.map((s) => `${analysis.relativePath(s.location.file)}:${s.location.line}:${s.location.column} ${s.message}`);
}
