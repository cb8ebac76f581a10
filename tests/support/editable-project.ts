import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { analysisCounters, analyzeProgram, type Analysis } from '@lockwise/analyzer';
import { allRules, runRule, withDefaults } from '@lockwise/rules';
import { REPO_ROOT, VIRTUAL_COMPILER_OPTIONS, virtualCompilerHost } from './virtual-program.js';

/**
 * An editor in miniature: program versions over in-memory files that reuse the `SourceFile` of
 * every file whose text did not change, as TypeScript's language service does.
 */
let coldAnalyses = 0;

export class EditableProject {
  readonly rootDir: string;
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, ts.SourceFile>();
  private program: ts.Program | undefined;

  /** The `.ts` files of a fixture directory, as in-memory files under a virtual root. */
  static fromFixture(name: string, fixtureDir: string): EditableProject {
    const root = path.join(REPO_ROOT, fixtureDir);
    const files: Record<string, string> = {};
    for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      const posix = entry.split(path.sep).join('/');
      if (posix.endsWith('.ts') && !posix.endsWith('.d.ts') && !posix.includes('node_modules')) files[posix] = fs.readFileSync(path.join(root, entry), 'utf8');
    }
    return new EditableProject(name, files);
  }

  get files(): string[] {
    return [...this.texts.keys()].map((f) => f.slice(this.rootDir.length + 1)).sort();
  }

  text(file: string): string {
    return this.texts.get(`${this.rootDir}/${file}`)!;
  }

  constructor(name: string, files: Record<string, string>) {
    this.rootDir = path.join(REPO_ROOT, 'tests', '__virtual__', `incremental-${name}`).split(path.sep).join('/');
    for (const [file, text] of Object.entries(files)) this.texts.set(`${this.rootDir}/${file}`, text);
  }

  edit(file: string, change: (text: string) => string): void {
    const fileName = `${this.rootDir}/${file}`;
    const before = this.texts.get(fileName)!;
    const after = change(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    this.texts.set(fileName, after);
    this.parsed.delete(fileName);
  }

  nextProgram(): ts.Program {
    const host = virtualCompilerHost(this.texts, VIRTUAL_COMPILER_OPTIONS, (fileName, text, languageVersion) => {
      let sf = this.parsed.get(fileName);
      if (!sf) this.parsed.set(fileName, (sf = ts.createSourceFile(fileName, text, languageVersion, true)));
      return sf;
    });
    this.program = ts.createProgram({ rootNames: [...this.texts.keys()], options: VIRTUAL_COMPILER_OPTIONS, host, oldProgram: this.program });
    return this.program;
  }

  /** The analysis an editor gets (reusing the previous one) and one computed from scratch, of the same program. */
  analyseBothWays(): { warm: Analysis; cold: Analysis; recomputed: number; counters: typeof analysisCounters } {
    const program = this.nextProgram();
    const before = { ...analysisCounters };
    const warm = analyzeProgram(program, { rootDir: this.rootDir });
    const counters = Object.fromEntries(Object.entries(analysisCounters).map(([k, v]) => [k, v - before[k as keyof typeof before]])) as typeof analysisCounters;
    const recomputed = counters.summariesComputed;
    // equivalent options no earlier analysis had: a cache slot of its own, nothing carried over
    const cold = analyzeProgram(program, { rootDir: this.rootDir, locks: { reentrant: [`(no such lock ${coldAnalyses++})`] } });
    return { warm, cold, recomputed, counters };
  }
}

/**
 * The next program's analysis (the editor's, reusing the previous one), and the checker's
 * questions about property names asked during it, as `receiver.name`.
 */
export function askedWhileAnalysing(project: EditableProject): { asked: string[]; analysis: Analysis } {
  const program = project.nextProgram();
  const checker = program.getTypeChecker();
  const asked: string[] = [];
  const ask = checker.getSymbolAtLocation.bind(checker);
  checker.getSymbolAtLocation = (node) => {
    if (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) asked.push(node.parent.getText());
    return ask(node);
  };
  return { asked, analysis: analyzeProgram(program, { rootDir: project.rootDir }) };
}

/**
 * Every rule's findings and acknowledgements, as comparable lines: rule, place, message, trace.
 * A warm analysis must give exactly the lines a cold one gives.
 */
export function findingLines(analysis: Analysis, options: { trace?: boolean } = {}): string[] {
  const lines: string[] = [];
  for (const rule of allRules) {
    const result = runRule(analysis, rule, withDefaults(rule, undefined));
    for (const f of result.findings) {
      const trace = options.trace === false ? '' : ` ${JSON.stringify(f.trace?.map((s) => `${analysis.relativePath(s.location.file)}:${s.location.line}:${s.location.column} ${s.message}`))}`;
      lines.push(`${f.ruleId} ${analysis.relativePath(f.location.file)}:${f.location.line}:${f.location.column} ${f.message}${trace}`);
    }
    for (const a of result.acknowledgements) lines.push(`ack ${a.ruleId} ${analysis.relativePath(a.location.file)}:${a.location.line}:${a.location.column} ${a.by}`);
  }
  return lines.sort();
}
