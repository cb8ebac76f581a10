// Real TypeScript the analysis did not expect: packages that ship their .ts sources.
// Each entry is copied out of node_modules into a scratch directory with a tsconfig of its
// own, so `tsc --noEmit` and `lockwise audit` see exactly the same project.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CORPUS = [
  { name: 'rxjs', source: 'node_modules/rxjs/src', exclude: [/\.spec\.ts$/, /^Rx\.global/] },
  { name: 'zod', source: 'node_modules/zod/src', exclude: [/\/tests?\//, /\/benchmarks\//, /\.test\.ts$/] },
];

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM'],
    strict: false,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  },
  include: ['src/**/*.ts'],
};

/** Copies one corpus package's sources to `<dir>/src` with a tsconfig; returns the project directory. */
export function materialize(entry, dir = path.join(os.tmpdir(), 'lockwise-corpus', entry.name)) {
  const from = path.join(REPO_ROOT, entry.source);
  if (!fs.existsSync(from)) throw new Error(`corpus ${entry.name}: ${from} is missing; run npm ci`);
  fs.rmSync(dir, { recursive: true, force: true });
  const copy = (src, dst) => {
    for (const item of fs.readdirSync(src, { withFileTypes: true })) {
      const s = path.join(src, item.name);
      const d = path.join(dst, item.name);
      const rel = path.relative(from, s).split(path.sep).join('/');
      if (entry.exclude.some((re) => re.test(rel) || re.test(`/${rel}`))) continue;
      if (item.isDirectory()) copy(s, d);
      else if (item.name.endsWith('.ts') && !item.name.endsWith('.d.ts')) {
        fs.mkdirSync(dst, { recursive: true });
        fs.copyFileSync(s, d);
      }
    }
  };
  copy(from, path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  return dir;
}
