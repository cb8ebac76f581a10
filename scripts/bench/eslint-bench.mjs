// npm run bench:eslint — the editor face, measured two ways on generated projects:
//  1. a full ESLint run with every lockwise rule against the same run with only
//     @typescript-eslint/no-floating-promises (both type-aware, same parser and program),
//     alternating processes, ratio per pair;
//  2. a warm re-lint: one ESLint process lints the project, then edits one file's text at a time,
//     going round files of several subsystems (as an editor does on each keystroke pause), and
//     records the lockwise time of each re-lint (analysis and rule checks inside the ESLint
//     rules), reporting p50 and p95.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './corpus.mjs';
import { generateProject } from './generate-project.mjs';

const mode = process.argv[2];
const SCRATCH = path.join(REPO_ROOT, '.bench');

async function createEslint(dir, rules) {
  const { ESLint } = await import('eslint');
  const tseslint = (await import('typescript-eslint')).default;
  const lockwise = (await import('eslint-plugin-lockwise')).default;
  return new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: dir } },
        plugins: { '@typescript-eslint': tseslint.plugin, lockwise },
        rules,
      },
    ],
  });
}

async function lockwiseRules() {
  const lockwise = (await import('eslint-plugin-lockwise')).default;
  return lockwise.configs.strict.rules;
}

/**
 * Child process: one full lint of `dir` with the named rule set; prints the wall time, loading
 * the plugins included (loading lockwise loads TypeScript, which the other set pays inside
 * typescript-eslint: both must be inside the timed part).
 */
async function fullLint(dir, set) {
  const started = performance.now();
  const rules = set === 'lockwise' ? await lockwiseRules() : { '@typescript-eslint/no-floating-promises': 'error' };
  const eslint = await createEslint(dir, rules);
  await eslint.lintFiles(['src/**/*.ts']);
  console.log(JSON.stringify({ ms: performance.now() - started }));
}

/**
 * Child process: warm re-lints of one edited file at a time; prints the lockwise time of each.
 * The edits go round several files of different subsystems, and each one types into a method
 * body, which moves every position after it, as typing does.
 */
async function relint(dir, edits) {
  const { eslintFaceTimings } = await import('@lockwise/rules');
  const eslint = await createEslint(dir, await lockwiseRules());
  await eslint.lintFiles(['src/**/*.ts']);
  const subsystems = fs.readdirSync(path.join(dir, 'src')).filter((d) => d.startsWith('sub')).sort();
  const files = subsystems.flatMap((sub, i) => (i % Math.max(1, Math.floor(subsystems.length / 4)) === 0 ? [path.join(dir, 'src', sub, `module${i % 7}.ts`)] : []));
  const originals = new Map(files.map((file) => [file, fs.readFileSync(file, 'utf8')]));
  const samples = [];
  for (let i = 0; i < edits; i++) {
    const file = files[i % files.length];
    const text = originals.get(file).replace('this.version += 1;', `this.version += ${'1'.repeat(2 + (i % 5))};`);
    if (text === originals.get(file)) throw new Error(`${file}: the benchmark edit found nothing to change`);
    eslintFaceTimings.ms = 0;
    await eslint.lintText(text, { filePath: file });
    samples.push(eslintFaceTimings.ms);
  }
  console.log(JSON.stringify({ samples, files: files.map((f) => path.relative(dir, f)) }));
}

function child(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--max-old-space-size=8192', import.meta.filename, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { ...JSON.parse(result.stdout.trim().split('\n').pop()), wall: performance.now() - started };
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => percentile(xs, 50);

if (mode === 'full') await fullLint(process.argv[3], process.argv[4]);
else if (mode === 'relint') await relint(process.argv[3], Number(process.argv[4]));
else {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const size = { subsystems: Number(process.env.BENCH_SUBSYSTEMS ?? 12), filesPerSubsystem: Number(process.env.BENCH_FILES ?? 25) };
  const dir = generateProject(path.join(SCRATCH, `eslint-${size.subsystems}x${size.filesPerSubsystem}`), size);
  const lines = fs.readdirSync(path.join(dir, 'src'), { recursive: true }).filter((f) => String(f).endsWith('.ts')).reduce((n, f) => n + fs.readFileSync(path.join(dir, 'src', String(f)), 'utf8').split('\n').length, 0);
  console.log(`generated project: ${size.subsystems * size.filesPerSubsystem} files, ${lines} lines\n`);
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    const a = child(['full', dir, 'lockwise']);
    const b = child(['full', dir, 'floating']);
    ratios.push(a.ms / b.ms);
    console.log(`run ${i + 1}: all lockwise rules ${(a.ms / 1000).toFixed(1)} s, no-floating-promises only ${(b.ms / 1000).toFixed(1)} s`);
  }
  console.log(`ESLint with every lockwise rule / with no-floating-promises only: median ratio ${median(ratios).toFixed(2)}× (lockwise adds ${((median(ratios) - 1) * 100).toFixed(0)}%)\n`);
  const { samples, files } = child(['relint', dir, String(Number(process.env.BENCH_EDITS ?? 40))]);
  console.log(`warm re-lint of one edited file (round ${files.join(', ')}), lockwise time over ${samples.length} edits: p50 ${median(samples).toFixed(0)} ms, p95 ${percentile(samples, 95).toFixed(0)} ms`);
}
