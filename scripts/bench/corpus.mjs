// Real TypeScript the analysis did not expect: packages that ship their .ts sources.
// Each entry is copied out of node_modules into a scratch directory with a tsconfig of its
// own, so `tsc --noEmit` and `lockwise audit` see exactly the same project.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CORPUS = [
  { name: 'rxjs', source: 'node_modules/rxjs/src', exclude: [/\.spec\.ts$/, /^Rx\.global/] },
  { name: 'zod', source: 'node_modules/zod/src', exclude: [/\/tests?\//, /\/benchmarks\//, /\.test\.ts$/] },
];

/**
 * Larger real code, fetched from the npm registry when first asked for (not a dependency: the
 * tests never need it). matrix-js-sdk is async code through and through: a client, its stores,
 * crypto and call state machines, where shared state is read and written around awaits.
 */
export const PACKED_CORPUS = [
  { name: 'matrix-js-sdk', npm: 'matrix-js-sdk@37.5.0', source: 'src', exclude: [/\.spec\.ts$/, /\/__mocks__\//] },
  /**
   * viem is the other end of real code: functional, with few classes and types computed from ABIs
   * (abitype, ox) that make the checker do most of the work. Its types need its dependencies, which
   * are installed beside the pack (`withDependencies`): without them half its types are errors,
   * and an error type is cheap.
   */
  { name: 'viem', npm: 'viem@2.57.20', source: '.', exclude: [/^\/?_(types|cjs|esm)\//, /\.test\.ts$/, /\.bench\.ts$/], withDependencies: true },
  /**
   * tRPC's server: request handling and streaming written around promises, async iterables and
   * memos of in-flight work, in closures more than classes. Its adapters type against frameworks
   * it only peers with (express, fastify, next): those imports stay unresolved, as in a checkout
   * without them installed.
   */
  { name: 'trpc-server', npm: '@trpc/server@11.25.2', source: 'src', exclude: [/\.test\.ts$/] },
  /**
   * TanStack Query's core: caches, observers and retryers, classes whose state changes around
   * the fetches they start and cancel.
   */
  { name: 'query-core', npm: '@tanstack/query-core@5.108.4', source: 'src', exclude: [/\/__tests__\//, /\.test\.ts$/] },
];

/**
 * The packed entry's own dependencies, installed once into .bench/packs/<name>/deps (what a user
 * of the package has beside it): the directory whose node_modules a materialized copy links to.
 */
function installedDependencies(entry) {
  const deps = path.join(REPO_ROOT, '.bench', 'packs', entry.name, 'deps');
  const done = path.join(deps, '.installed');
  if (fs.existsSync(done)) return deps;
  const manifest = JSON.parse(fs.readFileSync(path.join(unpacked(entry), 'package.json'), 'utf8'));
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(deps, { recursive: true });
  fs.writeFileSync(path.join(deps, 'package.json'), JSON.stringify({ name: `${entry.name}-dependencies`, private: true, dependencies: manifest.dependencies ?? {} }, null, 2));
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'], { cwd: deps, encoding: 'utf8', shell: process.platform === 'win32' });
  if (install.status !== 0) throw new Error(`corpus ${entry.name}: \`npm install\` of its dependencies in ${deps} failed (it needs the npm registry): ${install.stderr || install.error?.message}`);
  fs.writeFileSync(done, '');
  return deps;
}

/** The unpacked package of a PACKED_CORPUS entry, fetched with `npm pack` into .bench/packs once. */
export function unpacked(entry) {
  const dir = path.join(REPO_ROOT, '.bench', 'packs', entry.name);
  const root = path.join(dir, 'package');
  if (fs.existsSync(path.join(root, 'package.json'))) return root;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', entry.npm, '--silent', '--pack-destination', dir], { encoding: 'utf8', shell: process.platform === 'win32' });
  const tarball = pack.status === 0 ? pack.stdout.trim().split('\n').pop() : undefined;
  if (!tarball) throw new Error(`corpus ${entry.name}: \`npm pack ${entry.npm}\` failed (it needs the npm registry): ${pack.stderr || pack.error?.message || 'no tarball'}`);
  const untar = spawnSync('tar', ['xzf', tarball], { cwd: dir, encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`corpus ${entry.name}: could not unpack ${path.join(dir, tarball)} with tar: ${untar.stderr || untar.error?.message}`);
  return root;
}

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
  const from = entry.npm ? path.join(unpacked(entry), entry.source) : path.join(REPO_ROOT, entry.source);
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
  if (entry.withDependencies) fs.symlinkSync(path.join(installedDependencies(entry), 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  return dir;
}

/** The TypeScript program of a materialized corpus project (its tsconfig.json), as the analysis takes it. */
export function programOf(dir) {
  const configFile = path.join(dir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic(d) {
      throw new Error(`${configFile}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  return ts.createProgram(parsed.fileNames, parsed.options);
}
