// npm run bench:attribution [-- <dir>] — where lockwise's share of a full lint goes, on the
// generated project (or any project with a tsconfig.json and its sources under src/):
//  1. a full ESLint run with every lockwise rule, lockwise's time split by the file ESLint was
//     linting: the first file's rules run the whole-program analysis (and check that file), the
//     second's check the whole program, the rest read the results;
//  2. both full lints (every lockwise rule; no-floating-promises only) under V8's sampling
//     profiler, their CPU time by whose code ran: lockwise's own, TypeScript's (the checker
//     answering questions), garbage collection, the rest. What lockwise adds is its own code plus
//     what it adds to the other two: the checker answers many of its questions for
//     no-floating-promises anyway;
//  3. the analysis and rule checks outside ESLint on fresh programs of the project made one
//     after the other in one process, each type-checked first so that the checker's work is out
//     of the figure: the first program's is what a one-shot lint pays for lockwise's own code,
//     the later ones' what the same work costs once V8 has compiled it.
// Each part runs in a child process of its own. Figures are milliseconds of one run each: they
// say where the time goes, not how fast the machine is; the ratios are npm run bench:eslint's.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import ts from 'typescript';
import { REPO_ROOT, programOf } from './corpus.mjs';
import { generateProject } from './generate-project.mjs';
import { createEslint, RULE_SETS, runChild, timeLockwiseRules } from './typing.mjs';

/** Child: one full lint; lockwise's time inside its rules' `create`, by the order of the files linted. */
async function lintByFile(dir) {
  const byFile = new Map();
  await timeLockwiseRules((context, started, ended) => byFile.set(context.filename, (byFile.get(context.filename) ?? 0) + ended - started));
  const started = performance.now();
  const eslint = await createEslint(dir, await RULE_SETS.lockwise());
  await eslint.lintFiles(['src/**/*.ts']);
  const times = [...byFile.values()];
  return { lint: performance.now() - started, first: times[0], second: times[1] ?? 0, rest: times.slice(2).reduce((a, b) => a + b, 0), files: times.length };
}

/** The directories whose code is lockwise's: the analyzer, the rules and the plugin, as Node loaded them. */
function lockwiseDirs() {
  const dirOf = (specifier) => fs.realpathSync(path.dirname(fileURLToPath(import.meta.resolve(specifier))));
  return ['@lockwise/analyzer', '@lockwise/rules', 'eslint-plugin-lockwise'].map(dirOf);
}

/** Child: one full lint under the sampling profiler; its CPU time by whose code each sample was in. */
async function lintProfile(dir, set) {
  const mine = lockwiseDirs();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const eslint = await createEslint(dir, await RULE_SETS[set]());
  await eslint.lintFiles(['src/**/*.ts']);
  const { profile } = await session.post('Profiler.stop');
  const ownerOf = (node) => {
    const { url, functionName } = node.callFrame;
    if (functionName === '(garbage collector)') return 'gc';
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    if (mine.some((d) => file.startsWith(d))) return 'lockwise';
    if (/[/\\]typescript[/\\]lib[/\\]typescript\.js$/.test(file)) return 'typescript';
    return 'rest';
  };
  const owners = new Map(profile.nodes.map((node) => [node.id, ownerOf(node)]));
  const ms = { lockwise: 0, typescript: 0, gc: 0, rest: 0 };
  profile.samples.forEach((id, i) => (ms[owners.get(id)] += (profile.timeDeltas[i] ?? 0) / 1000));
  return ms;
}

/** Child: the analysis and every rule's check on `count` fresh, type-checked programs of `dir`, one after the other. */
async function freshPrograms(dir, count) {
  const { analyzeProgram } = await import('@lockwise/analyzer');
  const { allRules, runRule, withDefaults } = await import('@lockwise/rules');
  const runs = [];
  for (let i = 0; i < count; i++) {
    const program = programOf(dir);
    for (const sf of program.getSourceFiles()) if (!sf.isDeclarationFile) ts.getPreEmitDiagnostics(program, sf);
    let started = performance.now();
    // the analysis caches per project (its options) and updates the previous program's results in
    // place: the same directory spelled differently is a project of its own, analysed from nothing
    // as in a fresh process, with only V8's compiled code carried over
    const analysis = analyzeProgram(program, { rootDir: dir + path.sep.repeat(i) });
    const analysisMs = performance.now() - started;
    started = performance.now();
    for (const rule of allRules) runRule(analysis, rule, withDefaults(rule, undefined), undefined, undefined);
    runs.push({ analysis: analysisMs, rules: performance.now() - started });
  }
  return runs;
}

const child = (args) => runChild(import.meta.filename, args);

const ms = (x) => `${Math.round(x)} ms`;
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.round(Math.abs(x))} ms`;

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'by-file') console.log(JSON.stringify(await lintByFile(rest[0])));
else if (mode === 'profile') console.log(JSON.stringify(await lintProfile(rest[0], rest[1])));
else if (mode === 'programs') console.log(JSON.stringify(await freshPrograms(rest[0], Number(rest[1]))));
else {
  const given = mode;
  const dir = given ? path.resolve(given) : generateProject(path.join(REPO_ROOT, '.bench', 'eslint-12x25'), { subsystems: 12, filesPerSubsystem: 25 });
  if (!fs.existsSync(path.join(dir, 'tsconfig.json'))) throw new Error(`${dir}: no tsconfig.json; give a project directory whose sources are under src/`);
  console.log(`where lockwise's share of a full lint of ${path.relative(process.cwd(), dir) || '.'} goes\n`);

  const split = child(['by-file', dir]);
  console.log(`1. full lint with every lockwise rule: ${ms(split.lint)}; lockwise's rules took ${ms(split.first + split.second + split.rest)} of it:`);
  console.log(`   first file (the analysis, that file's checks) ${ms(split.first)}, second (the whole program's checks) ${ms(split.second)}, the other ${split.files - 2} files ${ms(split.rest)}\n`);

  const withLockwise = child(['profile', dir, 'lockwise']);
  const floating = child(['profile', dir, 'floating']);
  const total = (p) => p.lockwise + p.typescript + p.gc + p.rest;
  console.log(`2. CPU time of the two full lints under the profiler, by whose code ran:`);
  console.log(`   ${'code'.padEnd(12)}${'lockwise rules'.padStart(16)}${'no-floating-promises'.padStart(22)}${'lockwise adds'.padStart(16)}`);
  for (const key of ['lockwise', 'typescript', 'gc', 'rest']) {
    console.log(`   ${key.padEnd(12)}${ms(withLockwise[key]).padStart(16)}${ms(floating[key]).padStart(22)}${signed(withLockwise[key] - floating[key]).padStart(16)}`);
  }
  console.log(`   ${'all'.padEnd(12)}${ms(total(withLockwise)).padStart(16)}${ms(total(floating)).padStart(22)}${signed(total(withLockwise) - total(floating)).padStart(16)}\n`);

  const programs = child(['programs', dir, '4']);
  console.log(`3. lockwise outside ESLint on fresh, type-checked programs of the project, one after the other in one process:`);
  programs.forEach((run, i) => console.log(`   program ${i + 1}: analysis ${ms(run.analysis)}, rule checks ${ms(run.rules)}, together ${ms(run.analysis + run.rules)}`));
  const last = programs.at(-1);
  const together = (run) => run.analysis + run.rules;
  console.log(`   the first program's figure is ${(together(programs[0]) / together(last)).toFixed(2)}× the last's`);
}
