// node scripts/check/warm-vs-cold.mjs <project-dir> [edits=10] [seed=1]
//
// The incremental analysis on a real project: types a statement at the start of a random
// function body (half of them on a new line, which moves every line after it), or, one edit in
// three where the file has one, casts a return of a function whose return type is inferred to
// `unknown` (a type other files may see through modules that do not change), N times, and
// after each edit compares every rule's findings and traces, and every function's facts (each node
// as its place and kind), from the editor's analysis (which reuses the previous one) with an
// analysis from scratch of the same program. Prints, per edit, how many files were walked, how
// many kept across the edit and how many functions of the edited file were carried; exits 1 on
// any difference.
// The tests do this on fixtures (tests/incremental-*.test.ts); this is for code they never saw.
import path from 'node:path';
import ts from 'typescript';
import { analysisCounters, analyzeProgram } from '@lockwise/analyzer';
import { allRules, runRule, withDefaults } from '@lockwise/rules';
import { factsDigest } from './facts-digest.mjs';

const [dirArg, editsArg = '10', seedArg = '1'] = process.argv.slice(2);
if (!dirArg) {
  console.error('usage: node scripts/check/warm-vs-cold.mjs <project-dir> [edits] [seed]');
  process.exit(2);
}
const dir = path.resolve(dirArg);
const edits = Number(editsArg);
let seed = Number(seedArg);
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

const configFile = path.join(dir, 'tsconfig.json');
const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic(d) {
    console.error(`${configFile}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    process.exit(2);
  },
});

// an editor's program versions: unchanged files keep their SourceFile
const texts = new Map();
const sourceFiles = new Map();
const host = ts.createCompilerHost(parsed.options, true);
const readSourceFile = host.getSourceFile;
host.getSourceFile = (fileName, language, onError, shouldCreate) => {
  if (!sourceFiles.has(fileName)) {
    const text = texts.get(fileName);
    sourceFiles.set(fileName, text === undefined ? readSourceFile.call(host, fileName, language, onError, shouldCreate) : ts.createSourceFile(fileName, text, language, true));
  }
  return sourceFiles.get(fileName);
};

const findingLines = (analysis) => {
  const lines = [];
  for (const rule of allRules) {
    for (const f of runRule(analysis, rule, withDefaults(rule, undefined)).findings) {
      const trace = f.trace?.map((s) => `${analysis.relativePath(s.location.file)}:${s.location.line}:${s.location.column} ${s.message}`);
      lines.push(`${f.ruleId} ${analysis.relativePath(f.location.file)}:${f.location.line}:${f.location.column} ${f.message} ${JSON.stringify(trace)}`);
    }
  }
  return lines.sort().concat(factsDigest(analysis).map((line) => `facts ${line}`));
};

let program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
analyzeProgram(program, { rootDir: dir });
const files = parsed.fileNames.filter((f) => !f.endsWith('.d.ts'));
if (files.length === 0) {
  // a solution-style tsconfig (`files: []` with references) has nothing of its own to edit
  console.error(`${configFile}: names no source file of its own to edit; give the directory of one of the projects it references`);
  process.exit(2);
}
let colds = 0;
let differing = 0;
for (let i = 0; i < edits; i++) {
  const file = files[Math.floor(random() * files.length)];
  const sf = program.getSourceFile(file);
  const bodies = [];
  // returns of functions whose return type is inferred: retyping one changes a type other files may see
  const inferredReturns = [];
  const visit = (node, inferred) => {
    if (ts.isFunctionLike(node) && node.body && ts.isBlock(node.body)) bodies.push(node.body);
    if (ts.isReturnStatement(node) && node.expression && inferred) inferredReturns.push(node.expression);
    ts.forEachChild(node, (child) => visit(child, ts.isFunctionLike(node) ? !node.type : inferred));
  };
  visit(sf, false);
  if (bodies.length === 0) {
    i--;
    continue;
  }
  const kind = random();
  let edit;
  if (kind < 1 / 3 && inferredReturns.length > 0) {
    const returned = inferredReturns[Math.floor(random() * inferredReturns.length)];
    edit = { at: returned.getStart(sf), end: returned.getEnd(), text: `(${returned.getText(sf)}) as unknown`, what: 'retyped a return' };
  } else {
    const at = bodies[Math.floor(random() * bodies.length)].getStart(sf) + 1;
    edit = { at, end: at, text: kind < 2 / 3 ? `\n  const edit${i} = ${i};\n` : ` void ${i};`, what: 'typed a statement' };
  }
  texts.set(file, `${sf.text.slice(0, edit.at)}${edit.text}${sf.text.slice(edit.end)}`);
  sourceFiles.delete(file);
  program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host, oldProgram: program });
  const before = { ...analysisCounters };
  const warm = findingLines(analyzeProgram(program, { rootDir: dir }));
  const walked = analysisCounters.filesWalked - before.filesWalked;
  const kept = analysisCounters.filesKeptAcrossEdits - before.filesKeptAcrossEdits;
  const carried = analysisCounters.functionsCarried - before.functionsCarried;
  // equivalent options no earlier analysis had: a cache slot of its own, nothing carried over
  const cold = findingLines(analyzeProgram(program, { rootDir: dir, locks: { reentrant: [`(no such lock ${colds++})`] } }));
  const same = warm.length === cold.length && warm.every((line, k) => line === cold[k]);
  console.log(`edit ${i + 1}: ${path.relative(dir, file)} (${edit.what}): walked ${walked}, kept ${kept}, carried ${carried} functions, ${warm.filter((l) => !l.startsWith('facts ')).length} findings, ${same ? 'same as from scratch' : 'DIFFERENT from scratch'}`);
  if (!same) {
    differing++;
    const coldSet = new Set(cold);
    const warmSet = new Set(warm);
    for (const line of warm) if (!coldSet.has(line)) console.log(`  only warm: ${line}`);
    for (const line of cold) if (!warmSet.has(line)) console.log(`  only from scratch: ${line}`);
  }
}
console.log(differing ? `${differing} of ${edits} edits differ` : `all ${edits} edits agree`);
process.exitCode = differing ? 1 : 0;
