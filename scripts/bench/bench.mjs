// npm run bench — lockwise against tsc --noEmit on the same projects, side by side in one run.
// Each pair runs alternately (A B A B …) so drift of the machine hits both; the ratio is taken
// pair by pair and the median is reported. Wall-clock figures are printed, never asserted.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { CORPUS, PACKED_CORPUS, REPO_ROOT, materialize } from './corpus.mjs';
import { generateProject } from './generate-project.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NODE = process.execPath;
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const LOCKWISE = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'lockwise.js');
const SCRATCH = path.join(REPO_ROOT, '.bench');

function time(args, cwd) {
  const started = process.hrtime.bigint();
  const result = spawnSync(NODE, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  return { ms, status: result.status };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function compare(name, dir) {
  const lockwise = [];
  const tsc = [];
  const ratios = [];
  // one unmeasured warm-up of each: file-system cache, JIT of the tools themselves
  time([LOCKWISE, 'audit', dir, '--format', 'json', '--fail-on', 'never', '--output', path.join(SCRATCH, `${name}.json`)], REPO_ROOT);
  time([TSC, '--noEmit', '-p', dir], REPO_ROOT);
  for (let i = 0; i < RUNS; i++) {
    const a = time([LOCKWISE, 'audit', dir, '--format', 'json', '--fail-on', 'never', '--output', path.join(SCRATCH, `${name}.json`)], REPO_ROOT);
    const b = time([TSC, '--noEmit', '-p', dir], REPO_ROOT);
    if (a.status !== 0) throw new Error(`lockwise audit ${dir} exited ${a.status}`);
    lockwise.push(a.ms);
    tsc.push(b.ms);
    ratios.push(a.ms / b.ms);
  }
  return { name, lockwise: median(lockwise), tsc: median(tsc), ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

const projects = [
  { name: 'generated (300 files, 30k lines)', dir: generateProject(path.join(SCRATCH, 'generated')) },
  { name: 'demo-app', dir: path.join(REPO_ROOT, 'fixtures', 'demo-app') },
  ...[...CORPUS, ...PACKED_CORPUS].map((entry) => ({ name: `${entry.name} (shipped sources)`, dir: materialize(entry, path.join(SCRATCH, 'corpus', entry.name)) })),
];

console.log(`lockwise audit vs tsc --noEmit, ${RUNS} alternating runs each, median wall time (node ${process.version})\n`);
console.log('| project | lockwise | tsc --noEmit | ratio (median) | ratio range |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const project of projects) {
  const r = compare(project.name, project.dir);
  console.log(`| ${r.name} | ${(r.lockwise / 1000).toFixed(2)} s | ${(r.tsc / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)}× | ${r.min.toFixed(2)}–${r.max.toFixed(2)}× |`);
}
