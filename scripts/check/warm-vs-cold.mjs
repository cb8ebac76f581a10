// node scripts/check/warm-vs-cold.mjs <project-dir> [edits=10] [seed=1]
//
// The incremental analysis on a real project: types a statement at the start of a random
// function body, N times (half of them on a new line, which moves every line after it), and
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
let colds = 0;
let differing = 0;
for (let i = 0; i < edits; i++) {
  const file = files[Math.floor(random() * files.length)];
  const sf = program.getSourceFile(file);
  const bodies = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body && ts.isBlock(node.body)) bodies.push(node.body);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (bodies.length === 0) {
    i--;
    continue;
  }
  const at = bodies[Math.floor(random() * bodies.length)].getStart(sf) + 1;
  texts.set(file, `${sf.text.slice(0, at)}${random() < 0.5 ? `\n  const edit${i} = ${i};\n` : ` void ${i};`}${sf.text.slice(at)}`);
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
  console.log(`edit ${i + 1}: ${path.relative(dir, file)}: walked ${walked}, kept ${kept}, carried ${carried} functions, ${warm.filter((l) => !l.startsWith('facts ')).length} findings, ${same ? 'same as from scratch' : 'DIFFERENT from scratch'}`);
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
