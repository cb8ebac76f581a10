// npm run check:findings [-- <name> ...] — what every rule reports on real code it never saw.
//
// Analyses the corpus packages' shipped sources (rxjs and zod from node_modules, and the larger
// packages of PACKED_CORPUS, fetched from the npm registry into .bench/packs the first time), runs
// every rule with its defaults, and prints the findings per rule, with the files that have the
// most. None of this code takes a lock: what a rule reports here is mostly the noise a team
// would wade through, and the count to watch when a rule's precision changes.
// `--list <rule>` prints that rule's findings in full (file:line and message).
import path from 'node:path';
import { analyzeProgram } from '@lockwise/analyzer';
import { allRules, runRule, withDefaults } from '@lockwise/rules';
import { CORPUS, PACKED_CORPUS, REPO_ROOT, materialize, programOf } from '../bench/corpus.mjs';

const entries = [...CORPUS, ...PACKED_CORPUS];
const args = process.argv.slice(2);
const listIndex = args.indexOf('--list');
const listed = listIndex >= 0 ? args.splice(listIndex, 2)[1] : undefined;
if (listIndex >= 0 && !listed) usage('--list needs a rule name, such as no-stale-state-across-await');
const unknown = args.filter((name) => !entries.some((e) => e.name === name));
if (unknown.length) usage(`no corpus package named ${unknown.join(', ')}`);
if (listed && !allRules.some((rule) => rule.name === listed)) usage(`no rule named ${listed}`);

for (const entry of entries.filter((e) => args.length === 0 || args.includes(e.name))) {
  const started = performance.now();
  const dir = materialize(entry, path.join(REPO_ROOT, '.bench', 'corpus', entry.name));
  const program = programOf(dir);
  const analysis = analyzeProgram(program, { rootDir: dir });
  const lines = analysis.sourceFiles.reduce((n, sf) => n + sf.getLineStarts().length, 0);
  const perRule = [];
  for (const rule of allRules) {
    const { findings } = runRule(analysis, rule, withDefaults(rule, {}));
    perRule.push({ rule: rule.name, findings });
  }
  const total = perRule.reduce((n, r) => n + r.findings.length, 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${entry.npm ?? entry.name}: ${analysis.stats.files} files, ${lines} lines, ${analysis.stats.functions} functions, ${analysis.stats.locks} locks: ${total} findings (${seconds} s)`);
  if (analysis.diagnostics.length) console.log(`  ${analysis.diagnostics.length} internal errors, the first: ${analysis.diagnostics[0].message}`);
  for (const { rule, findings } of perRule) {
    if (findings.length === 0) continue;
    const byFile = new Map();
    const fileOf = (f) => path.relative(dir, f.location.file).split(path.sep).join('/');
    for (const f of findings) byFile.set(fileOf(f), (byFile.get(fileOf(f)) ?? 0) + 1);
    const top = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([file, n]) => `${file} ${n}`);
    console.log(`  ${rule}: ${findings.length} (most in ${top.join(', ')})`);
    if (rule === listed) for (const f of findings) console.log(`    ${fileOf(f)}:${f.location.line}:${f.location.column} ${f.message}`);
  }
}

function usage(problem) {
  console.error(`${problem}\nusage: npm run check:findings [-- <package> ...] [--list <rule>]\n  packages: ${entries.map((e) => e.name).join(', ')}`);
  process.exit(2);
}
