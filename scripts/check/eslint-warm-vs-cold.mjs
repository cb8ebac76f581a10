// node scripts/check/eslint-warm-vs-cold.mjs <project-dir> [edits=6]
//
// The editor's path end to end: one ESLint process (typescript-eslint's project service, every
// lockwise rule) lints the project's `src/**/*.ts`, then types a new line at the start of a
// method body in its largest files, as a user types, and re-lints the edited file. After each
// edit a second process, which has seen nothing before, lints the same text, and the two sets of
// lockwise messages (rule, line, column, text) are compared. Files on disk are never written: both
// processes get the edited text through ESLint's `lintText`. Exits 1 on any difference.
//
// check:incremental does this with the analyzer's API and `ts.createProgram`; this goes through
// what an editor runs: ESLint, the project service and its programs, the plugin's cache.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createEslint, largestFilesWithMethods, lockwiseRules, typeNewLine } from '../bench/typing.mjs';

const lockwiseMessages = (result) =>
  result.messages
    .filter((m) => m.ruleId?.startsWith('lockwise/') || m.fatal)
    .map((m) => `${m.ruleId ?? 'fatal'} ${m.line}:${m.column} ${m.message}`)
    .sort();

/** Child process: lints one file, its text from stdin, with nothing seen before. */
async function coldLint(dir, file) {
  const eslint = await createEslint(dir, await lockwiseRules());
  const [result] = await eslint.lintText(fs.readFileSync(0, 'utf8'), { filePath: file });
  console.log(JSON.stringify(lockwiseMessages(result)));
}

async function main([dirArg, editsArg = '6']) {
  const edits = Number(editsArg);
  if (!dirArg || !(Number.isInteger(edits) && edits >= 1)) {
    console.error('usage: node scripts/check/eslint-warm-vs-cold.mjs <project-dir> [edits, 1 or more]');
    process.exit(2);
  }
  const dir = path.resolve(dirArg);
  const src = path.join(dir, 'src');
  if (!fs.existsSync(path.join(dir, 'tsconfig.json')) || !fs.existsSync(src)) {
    console.error(`${dir}: give a project directory with a tsconfig.json and its sources under src/`);
    process.exit(2);
  }
  const largest = largestFilesWithMethods(src);
  if (largest.length === 0) {
    console.error(`${src}: no method body to type into (a line ending in \`) {\`)`);
    process.exit(2);
  }
  const warm = await createEslint(dir, await lockwiseRules());
  await warm.lintFiles(['src/**/*.ts']);
  let differing = 0;
  for (let i = 0; i < edits; i++) {
    const entry = largest[i % largest.length];
    const { file, text } = entry;
    const { at, text: edited } = typeNewLine(entry, i * 5 + 3, i);
    const [result] = await warm.lintText(edited, { filePath: file });
    const warmMessages = lockwiseMessages(result);
    const cold = spawnSync(process.execPath, ['--max-old-space-size=8192', import.meta.filename, '--cold', dir, file], { input: edited, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (cold.status !== 0) throw new Error(`the lint from scratch of ${file} failed: ${cold.stderr}`);
    const coldMessages = JSON.parse(cold.stdout.trim().split('\n').pop());
    const same = warmMessages.length === coldMessages.length && warmMessages.every((m, k) => m === coldMessages[k]);
    const line = text.slice(0, at).split('\n').length;
    console.log(`edit ${i + 1}: ${path.relative(dir, file)}:${line} (a new line): ${warmMessages.length} lockwise messages, ${same ? 'same as from scratch' : 'DIFFERENT from scratch'}`);
    if (!same) {
      differing++;
      for (const m of warmMessages) if (!coldMessages.includes(m)) console.log(`  only warm: ${m}`);
      for (const m of coldMessages) if (!warmMessages.includes(m)) console.log(`  only from scratch: ${m}`);
    }
    // back to the text on disk before the next file's edit, as an editor that undid the change
    await warm.lintText(text, { filePath: file });
  }
  console.log(differing === 0 ? `all ${edits} edits agree` : `${differing} of ${edits} edits differ`);
  process.exit(differing === 0 ? 0 : 1);
}

if (process.argv[2] === '--cold') await coldLint(process.argv[3], process.argv[4]);
else await main(process.argv.slice(2));
