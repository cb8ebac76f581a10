import fs from 'node:fs';
import path from 'node:path';
import { InMemoryFileSystemHost } from 'ts-morph';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  detectWorkspaces,
  expandWorkspacePatterns,
  LoadError,
  loadProject,
  parsePnpmWorkspacePackages,
} from '../packages/analyzer/src/load/index.js';
import { LoaderFs } from '../packages/analyzer/src/load/fs.js';
import { makeProject, posix, REPO_ROOT, removeProjects, snapshotDir, STRICT_NODENEXT } from './cli-harness.js';

afterAll(removeProjects);

const SCENARIOS = posix(path.join(REPO_ROOT, 'fixtures/scenarios'));

function rel(root: string, files: readonly string[]): string[] {
  return files.map((f) => posix(path.relative(root, f))).sort();
}

function programFiles(program: ts.Program, root: string): string[] {
  return rel(
    root,
    program
      .getSourceFiles()
      .map((f) => f.fileName)
      .filter((f) => f.startsWith(`${root}/`) && !f.includes('/node_modules/')),
  );
}

function loadError(fn: () => unknown): LoadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LoadError);
    return error as LoadError;
  }
  throw new Error('expected a LoadError');
}

describe('loadProject: one tsconfig', () => {
  it('loads the tsconfig of the directory and returns the program of its files', () => {
    const dir = makeProject({
      'tsconfig.json': { compilerOptions: STRICT_NODENEXT, include: ['src'] },
      'src/a.ts': `import { b } from './b.js';\nexport const a = b + 1;\n`,
      'src/b.ts': 'export const b = 1;\n',
      'scripts/other.ts': 'export const ignored = 1;\n',
    });
    const loaded = loadProject({ dir });
    expect(loaded.rootDir).toBe(dir);
    expect(loaded.tsconfigPath).toBe(`${dir}/tsconfig.json`);
    expect(loaded.tsconfigs).toEqual([`${dir}/tsconfig.json`]);
    expect(rel(dir, loaded.rootFiles)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(programFiles(loaded.program, dir)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(loaded.packages).toEqual([]);
    expect(loaded.workspaces).toBeUndefined();
    expect(loaded.configDiagnostics).toEqual([]);
    // The ts-morph project and the program are the same thing.
    expect(loaded.project.getProgram().compilerObject).toBe(loaded.program);
    expect(loaded.program.getCompilerOptions().noEmit).toBe(true);
  });

  it('resolves dir and project against cwd; a --project directory means its tsconfig.json', () => {
    const dir = makeProject({
      'app/tsconfig.json': { compilerOptions: STRICT_NODENEXT, include: ['src'] },
      'app/src/a.ts': 'export const a = 1;\n',
    });
    const byDir = loadProject({ dir: 'app', cwd: dir });
    expect(byDir.rootDir).toBe(`${dir}/app`);
    expect(byDir.tsconfigPath).toBe(`${dir}/app/tsconfig.json`);
    const byProjectDir = loadProject({ project: 'app', cwd: dir });
    expect(byProjectDir.rootDir).toBe(dir);
    expect(byProjectDir.tsconfigPath).toBe(`${dir}/app/tsconfig.json`);
    expect(rel(dir, byProjectDir.rootFiles)).toEqual(['app/src/a.ts']);
  });

  it('honours extends and paths (relative to the config that declares them)', () => {
    const dir = makeProject({
      'config/base.json': {
        compilerOptions: { ...STRICT_NODENEXT, module: 'ESNext', moduleResolution: 'Bundler', paths: { '@lib/*': ['../lib/*'] } },
      },
      'tsconfig.json': { extends: './config/base.json', include: ['src', 'lib'] },
      'src/main.ts': `import { helper } from '@lib/helper';\nexport const x: number = helper();\n`,
      'lib/helper.ts': 'export function helper(): number {\n  return 1;\n}\n',
    });
    const loaded = loadProject({ dir });
    const options = loaded.program.getCompilerOptions();
    expect(options.paths).toEqual({ '@lib/*': ['../lib/*'] });
    expect(options.moduleResolution).toBe(ts.ModuleResolutionKind.Bundler);
    const main = loaded.program.getSourceFile(`${dir}/src/main.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(main).map((d) => d.code)).toEqual([]);
    // The import resolves to the declaration in lib/helper.ts.
    const checker = loaded.program.getTypeChecker();
    const importDecl = main.statements[0] as ts.ImportDeclaration;
    const symbol = checker.getSymbolAtLocation(importDecl.moduleSpecifier)!;
    expect(posix(symbol.valueDeclaration!.getSourceFile().fileName)).toBe(`${dir}/lib/helper.ts`);
  });

  it('honours allowJs', () => {
    const files = (allowJs: boolean) => ({
      'tsconfig.json': { compilerOptions: { ...STRICT_NODENEXT, allowJs }, include: ['src'] },
      'src/a.ts': 'export const a = 1;\n',
      'src/legacy.js': 'export function legacy() {\n  return 2;\n}\n',
    });
    const withJs = makeProject(files(true));
    expect(rel(withJs, loadProject({ dir: withJs }).rootFiles)).toEqual(['src/a.ts', 'src/legacy.js']);
    const withoutJs = makeProject(files(false));
    expect(rel(withoutJs, loadProject({ dir: withoutJs }).rootFiles)).toEqual(['src/a.ts']);
  });

  it('keeps @types visible when the tsconfig does not say `types` (TypeScript 6 would default to none)', () => {
    const dir = makeProject(
      {
        'tsconfig.json': { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] },
        'src/io.ts': `import { promises as fsp } from 'node:fs';\nexport const read = () => fsp.readFile('x', 'utf8');\n`,
      },
      { nodeModules: true },
    );
    const loaded = loadProject({ dir });
    expect(loaded.program.getCompilerOptions().types).toEqual(['*']);
    const file = loaded.program.getSourceFile(`${dir}/src/io.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(file).map((d) => d.code)).toEqual([]);
  });

  it('keeps `types` when the tsconfig (or a config it extends) says it', () => {
    const dir = makeProject({
      'base.json': { compilerOptions: { ...STRICT_NODENEXT, types: ['node'] } },
      'tsconfig.json': { extends: './base.json', include: ['src'] },
      'src/a.ts': 'export const a = 1;\n',
    });
    expect(loadProject({ dir }).program.getCompilerOptions().types).toEqual(['node']);
  });

  it('treats options deprecated in TypeScript 6 as they were meant (no deprecation errors)', () => {
    const dir = makeProject({
      'tsconfig.json': { compilerOptions: { target: 'ES5', moduleResolution: 'node', baseUrl: '.', strict: true, types: [] }, include: ['src'] },
      'src/a.ts': `import { b } from 'src/b';\nexport const a = b;\n`,
      'src/b.ts': 'export const b = 1;\n',
    });
    const loaded = loadProject({ dir });
    expect(loaded.program.getOptionsDiagnostics().map((d) => d.code)).toEqual([]);
    const a = loaded.program.getSourceFile(`${dir}/src/a.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(a).map((d) => d.code)).toEqual([]);
  });

  it('syntax errors and unresolved imports in sources are not load errors', () => {
    const dir = makeProject({
      'tsconfig.json': { compilerOptions: STRICT_NODENEXT, include: ['src'] },
      'src/broken.ts': 'export function f( {\n  return 1\n',
      'src/missing.ts': `import { nothing } from './does-not-exist.js';\nimport { pkg } from 'no-such-package';\nexport const x = nothing + pkg;\n`,
      'src/fine.ts': 'export const fine = 1;\n',
    });
    const loaded = loadProject({ dir });
    expect(programFiles(loaded.program, dir)).toEqual(['src/broken.ts', 'src/fine.ts', 'src/missing.ts']);
    const broken = loaded.program.getSourceFile(`${dir}/src/broken.ts`)!;
    expect(loaded.program.getSyntacticDiagnostics(broken).length).toBeGreaterThan(0);
    const missing = loaded.program.getSourceFile(`${dir}/src/missing.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(missing).map((d) => d.code)).toEqual([2307, 2307]);
  });

  it('reports bad compiler options as non-fatal configuration diagnostics', () => {
    const dir = makeProject({
      'tsconfig.json': { compilerOptions: { ...STRICT_NODENEXT, notAnOption: true }, include: ['src'] },
      'src/a.ts': 'export const a = 1;\n',
    });
    const loaded = loadProject({ dir });
    expect(loaded.configDiagnostics.map((d) => d.code)).toEqual([5023]);
    expect(ts.flattenDiagnosticMessageText(loaded.configDiagnostics[0]!.messageText, '\n')).toBe(
      "Unknown compiler option 'notAnOption'.",
    );
  });

  it('reads everything through a ts-morph file system host when given one', () => {
    const host = new InMemoryFileSystemHost();
    host.writeFileSync('/mem/tsconfig.json', JSON.stringify({ compilerOptions: STRICT_NODENEXT, include: ['src'] }));
    host.writeFileSync('/mem/package.json', JSON.stringify({ name: 'mem', workspaces: ['pkgs/*'] }));
    host.writeFileSync('/mem/pkgs/one/package.json', JSON.stringify({ name: '@mem/one' }));
    host.writeFileSync('/mem/src/a.ts', `import { b } from './b.js';\nexport const a = b;\n`);
    host.writeFileSync('/mem/src/b.ts', 'export const b = 2;\n');
    const loaded = loadProject({ dir: '/mem', cwd: '/', fileSystem: host });
    expect(loaded.rootFiles).toEqual(['/mem/src/a.ts', '/mem/src/b.ts']);
    expect(programFiles(loaded.program, '/mem')).toEqual(['src/a.ts', 'src/b.ts']);
    expect(loaded.packages).toEqual([{ name: '@mem/one', dir: '/mem/pkgs/one' }]);
  });

  it('writes nothing into the project', () => {
    const dir = makeProject({
      'tsconfig.json': { compilerOptions: { ...STRICT_NODENEXT, composite: true, outDir: 'dist', incremental: true }, include: ['src'] },
      'src/a.ts': 'export const a = 1;\n',
    });
    const before = snapshotDir(dir);
    const loaded = loadProject({ dir });
    loaded.program.getTypeChecker();
    loaded.program.getSemanticDiagnostics();
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('loadProject: bad input', () => {
  it('no tsconfig: names the directory and the --project flag', () => {
    const dir = makeProject({ 'src/a.ts': 'export const a = 1;\n' });
    const error = loadError(() => loadProject({ dir }));
    expect(error.code).toBe('no-tsconfig');
    expect(error.path).toBe(dir);
    expect(error.message).toBe(
      `No tsconfig.json found in ${dir}. lockwise needs the project's tsconfig to build the program: ` +
        'add a tsconfig.json there, or name one with --project <path/to/tsconfig.json>.',
    );
  });

  it('a --project that does not exist: names the path', () => {
    const dir = makeProject({ 'src/a.ts': 'export const a = 1;\n' });
    const error = loadError(() => loadProject({ project: 'nope/tsconfig.app.json', cwd: dir }));
    expect(error.code).toBe('no-tsconfig');
    expect(error.message).toBe(
      `The tsconfig given with --project does not exist: ${dir}/nope/tsconfig.app.json. Check the path (it is resolved against ${dir}).`,
    );
  });

  it('a directory that does not exist', () => {
    const dir = makeProject({});
    const error = loadError(() => loadProject({ dir: 'missing', cwd: dir }));
    expect(error.code).toBe('bad-directory');
    expect(error.message).toBe(`The directory to audit does not exist: ${dir}/missing.`);
  });

  it("a tsconfig that is not valid JSON: TypeScript's own diagnostic", () => {
    const dir = makeProject({
      'tsconfig.json': '{\n  "compilerOptions": {\n    "strict": true\n    "target": "ES2022"\n  }\n}\n',
      'src/a.ts': 'export const a = 1;\n',
    });
    const error = loadError(() => loadProject({ dir, cwd: dir }));
    expect(error.code).toBe('bad-tsconfig');
    expect(error.path).toBe(`${dir}/tsconfig.json`);
    expect(error.message).toBe(
      "Cannot load tsconfig.json: TypeScript reports\ntsconfig.json(4,5): error TS1005: ',' expected.\n" +
        'Fix the tsconfig (run `tsc -p tsconfig.json --showConfig` to see how TypeScript reads it).',
    );
  });

  it('a tsconfig that extends a missing file', () => {
    const dir = makeProject({
      'tsconfig.json': { extends: './missing-base.json', include: ['src'] },
      'src/a.ts': 'export const a = 1;\n',
    });
    const error = loadError(() => loadProject({ dir, cwd: dir }));
    expect(error.code).toBe('bad-tsconfig');
    expect(error.message).toContain(`error TS5083: Cannot read file '${dir}/missing-base.json'.`);
    expect(error.message.startsWith('Cannot load tsconfig.json: TypeScript reports\n')).toBe(true);
  });

  it('a tsconfig that selects no file', () => {
    const dir = makeProject({ 'tsconfig.json': { compilerOptions: STRICT_NODENEXT, include: ['src'] } });
    const error = loadError(() => loadProject({ dir, cwd: dir }));
    expect(error.code).toBe('no-inputs');
    expect(error.message).toBe('tsconfig.json selects no source files. Check its "include"/"files" (and "allowJs" for JavaScript sources).');
  });

  it('a reference to a project that does not exist', () => {
    const dir = makeProject({ 'tsconfig.json': { files: [], references: [{ path: './gone' }] } });
    const error = loadError(() => loadProject({ dir, cwd: dir }));
    expect(error.code).toBe('bad-tsconfig');
    expect(error.message).toBe(
      'tsconfig.json references gone/tsconfig.json, which does not exist. Fix the path in "references" (a directory must contain tsconfig.json).',
    );
  });
});

describe('loadProject: references', () => {
  const solution = () =>
    makeProject({
      'tsconfig.json': { files: [], references: [{ path: './packages/core' }, { path: './packages/app' }] },
      'packages/core/tsconfig.json': {
        compilerOptions: { ...STRICT_NODENEXT, composite: true, rootDir: 'src', outDir: 'dist', paths: { '#core/*': ['./src/*'] } },
        include: ['src'],
      },
      'packages/core/src/store.ts': 'export async function save(x: string): Promise<string> {\n  return x;\n}\n',
      'packages/app/tsconfig.json': {
        compilerOptions: { ...STRICT_NODENEXT, composite: true, rootDir: 'src', outDir: 'dist', allowJs: true },
        include: ['src'],
        references: [{ path: '../core' }],
      },
      'packages/app/src/main.ts': `import { save } from '../../core/src/store.js';\nexport const run = () => save('x');\n`,
      'packages/app/src/legacy.js': 'export const legacy = 1;\n',
    });

  it('expands a solution-style tsconfig into one program with every referenced project', () => {
    const dir = solution();
    const loaded = loadProject({ dir });
    expect(loaded.tsconfigs).toEqual([
      `${dir}/tsconfig.json`,
      `${dir}/packages/core/tsconfig.json`,
      `${dir}/packages/app/tsconfig.json`,
    ]);
    expect(rel(dir, loaded.rootFiles)).toEqual([
      'packages/app/src/legacy.js',
      'packages/app/src/main.ts',
      'packages/core/src/store.ts',
    ]);
    const options = loaded.program.getCompilerOptions();
    expect(options.allowJs).toBe(true);
    expect(options.composite).toBeUndefined();
    expect(options.rootDir).toBeUndefined();
    expect(options.outDir).toBeUndefined();
    expect(options.paths).toEqual({ '#core/*': [`${dir}/packages/core/src/*`] });
    // One program, one checker: the call in app resolves to core's source.
    expect(loaded.program.getSemanticDiagnostics().map((d) => d.code)).toEqual([]);
    expect(loaded.program.getOptionsDiagnostics().map((d) => d.code)).toEqual([]);
  });

  it('also expands references of a tsconfig that has files of its own', () => {
    const dir = solution();
    const loaded = loadProject({ dir: `${dir}/packages/app` });
    expect(rel(dir, loaded.rootFiles)).toEqual([
      'packages/app/src/legacy.js',
      'packages/app/src/main.ts',
      'packages/core/src/store.ts',
    ]);
  });

  it('fixtures/scenarios/solution: both projects, their `extends` and `paths`, one program', () => {
    const dir = `${SCENARIOS}/solution`;
    const loaded = loadProject({ dir });
    expect(loaded.tsconfigs).toEqual([`${dir}/tsconfig.json`, `${dir}/packages/a/tsconfig.json`, `${dir}/packages/b/tsconfig.json`]);
    expect(rel(dir, loaded.rootFiles)).toEqual(['packages/a/src/catalog.ts', 'packages/a/src/index.ts', 'packages/b/src/feed-import.ts']);
    expect(loaded.program.getCompilerOptions().paths).toEqual({ '@solution/a': [`${dir}/packages/a/src/index.ts`] });
    const feed = loaded.program.getSourceFile(`${dir}/packages/b/src/feed-import.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(feed).map((d) => d.code)).toEqual([]);
  });
});

describe('workspaces', () => {
  const monorepo = (manifest: Record<string, string | object>) =>
    makeProject({
      ...manifest,
      'tsconfig.json': { files: [], references: [{ path: './packages/storage' }, { path: './packages/api' }] },
      'packages/storage/package.json': {
        name: '@acme/storage',
        type: 'module',
        types: './dist/index.d.ts',
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      },
      'packages/storage/tsconfig.json': {
        compilerOptions: { ...STRICT_NODENEXT, composite: true, rootDir: 'src', outDir: 'dist' },
        include: ['src'],
      },
      'packages/storage/src/index.ts': 'export async function load(key: string): Promise<string> {\n  return key;\n}\n',
      'packages/api/package.json': { name: '@acme/api', type: 'module' },
      'packages/api/tsconfig.json': {
        compilerOptions: { ...STRICT_NODENEXT, composite: true, rootDir: 'src', outDir: 'dist' },
        include: ['src'],
      },
      'packages/api/src/handler.ts': `import { load } from '@acme/storage';\nexport const handle = (k: string) => load(k);\n`,
      'packages/excluded/package.json': { name: '@acme/excluded' },
      'tools/not-a-package/README.md': 'no package.json here\n',
    });

  const linkPackages = (dir: string) => {
    fs.mkdirSync(`${dir}/node_modules/@acme`, { recursive: true });
    fs.symlinkSync(`${dir}/packages/storage`, `${dir}/node_modules/@acme/storage`, 'dir');
    fs.symlinkSync(`${dir}/packages/api`, `${dir}/node_modules/@acme/api`, 'dir');
  };

  it('npm workspaces: each package with its name and directory', () => {
    const dir = monorepo({ 'package.json': { private: true, workspaces: ['packages/*', '!packages/excluded'] } });
    const loaded = loadProject({ dir });
    expect(loaded.workspaces?.manager).toBe('npm');
    expect(loaded.workspaces?.manifest).toBe(`${dir}/package.json`);
    expect(loaded.packages).toEqual([
      { name: '@acme/api', dir: `${dir}/packages/api` },
      { name: '@acme/storage', dir: `${dir}/packages/storage` },
    ]);
  });

  it("yarn's { packages: [...] } form", () => {
    const dir = monorepo({ 'package.json': { private: true, workspaces: { packages: ['packages/storage', 'packages/api/'] } } });
    expect(loadProject({ dir }).packages.map((p) => p.name)).toEqual(['@acme/api', '@acme/storage']);
  });

  it('pnpm-workspace.yaml wins over package.json', () => {
    const dir = monorepo({
      'package.json': { private: true, workspaces: ['packages/excluded'] },
      'pnpm-workspace.yaml': "packages:\n  # the services\n  - 'packages/*'\n  - \"!packages/excluded\"\ncatalog:\n  react: ^18\n",
    });
    const loaded = loadProject({ dir });
    expect(loaded.workspaces?.manager).toBe('pnpm');
    expect(loaded.workspaces?.patterns).toEqual(['packages/*', '!packages/excluded']);
    expect(loaded.packages.map((p) => p.name)).toEqual(['@acme/api', '@acme/storage']);
  });

  it('an import of a workspace package is analysed as its source, built or not', () => {
    const dir = monorepo({ 'package.json': { private: true, workspaces: ['packages/*'] } });
    linkPackages(dir);
    const loaded = loadProject({ dir });
    const handler = loaded.program.getSourceFile(`${dir}/packages/api/src/handler.ts`)!;
    expect(loaded.program.getSemanticDiagnostics(handler).map((d) => d.code)).toEqual([]);
    const checker = loaded.program.getTypeChecker();
    const specifier = (handler.statements[0] as ts.ImportDeclaration).moduleSpecifier;
    const declaration = checker.getSymbolAtLocation(specifier)!.valueDeclaration!;
    expect(posix(declaration.getSourceFile().fileName)).toBe(`${dir}/packages/storage/src/index.ts`);
    expect(loaded.program.isSourceFileFromExternalLibrary(declaration.getSourceFile())).toBe(false);
    expect(programFiles(loaded.program, dir).filter((f) => f.includes('dist'))).toEqual([]);
  });

  it('the same when the package was built and dist/ exists', () => {
    const dir = monorepo({ 'package.json': { private: true, workspaces: ['packages/*'] } });
    linkPackages(dir);
    fs.mkdirSync(`${dir}/packages/storage/dist`);
    fs.writeFileSync(`${dir}/packages/storage/dist/index.d.ts`, 'export declare function load(key: string): Promise<string>;\n');
    fs.writeFileSync(`${dir}/packages/storage/dist/index.js`, 'export async function load(key) { return key; }\n');
    const loaded = loadProject({ dir });
    const handler = loaded.program.getSourceFile(`${dir}/packages/api/src/handler.ts`)!;
    const specifier = (handler.statements[0] as ts.ImportDeclaration).moduleSpecifier;
    const declaration = loaded.program.getTypeChecker().getSymbolAtLocation(specifier)!.valueDeclaration!;
    expect(posix(declaration.getSourceFile().fileName)).toBe(`${dir}/packages/storage/src/index.ts`);
    expect(loaded.program.getSourceFile(`${dir}/packages/storage/dist/index.d.ts`)).toBeUndefined();
  });

  it('no workspaces: no packages', () => {
    const dir = makeProject({ 'package.json': { name: 'single' } });
    expect(detectWorkspaces(new LoaderFs(), dir)).toBeUndefined();
  });

  it('globstar patterns, and node_modules is never entered', () => {
    const dir = makeProject({
      'apps/web/package.json': { name: 'web' },
      'apps/group/deep/svc/package.json': { name: 'svc' },
      'apps/node_modules/dep/package.json': { name: 'dep' },
      'apps/unnamed/package.json': {},
    });
    expect(expandWorkspacePatterns(new LoaderFs(), dir, ['apps/**'])).toEqual([
      { name: 'svc', dir: `${dir}/apps/group/deep/svc` },
      { name: 'apps/unnamed', dir: `${dir}/apps/unnamed` },
      { name: 'web', dir: `${dir}/apps/web` },
    ]);
  });

  it('a malformed workspaces field is a load error naming package.json', () => {
    const dir = makeProject({ 'package.json': { workspaces: 'packages/*' } });
    const error = loadError(() => detectWorkspaces(new LoaderFs(), dir));
    expect(error.code).toBe('bad-workspace');
    expect(error.message).toBe(
      `${dir}/package.json: "workspaces" must be an array of glob strings or { "packages": [...] }.`,
    );
  });

  it('fixtures/scenarios/workspaces: its packages', () => {
    const dir = `${SCENARIOS}/workspaces`;
    const loaded = loadProject({ dir });
    expect(loaded.workspaces?.manager).toBe('npm');
    expect(loaded.packages).toEqual([
      { name: '@demo/store', dir: `${dir}/packages/store` },
      { name: '@demo/web', dir: `${dir}/packages/web` },
    ]);
  });
});

describe('parsePnpmWorkspacePackages', () => {
  it('block sequences with quotes and comments', () => {
    const yaml = [
      '# workspace',
      'packages:',
      "  - 'packages/*'   # libraries",
      '  - "apps/**"',
      '  - tools/cli',
      "  - '!**/test/**'",
      "  - 'it''s'",
      '',
      'catalog:',
      '  lodash: ^4',
    ].join('\n');
    expect(parsePnpmWorkspacePackages(yaml)).toEqual(['packages/*', 'apps/**', 'tools/cli', '!**/test/**', "it's"]);
  });

  it('flow sequences', () => {
    expect(parsePnpmWorkspacePackages("packages: ['a/*', \"b\", c/d]\n")).toEqual(['a/*', 'b', 'c/d']);
    expect(parsePnpmWorkspacePackages('packages: []\n')).toEqual([]);
  });

  it('no packages key: no patterns', () => {
    expect(parsePnpmWorkspacePackages('onlyBuiltDependencies:\n  - esbuild\n')).toEqual([]);
  });

  it('a malformed list is an error with the line', () => {
    const error = loadError(() => parsePnpmWorkspacePackages("packages:\n  - 'a/*'\n  b/*\n", '/w/pnpm-workspace.yaml'));
    expect(error.code).toBe('bad-workspace');
    expect(error.message).toBe('/w/pnpm-workspace.yaml:3: expected a list item ("- <glob>") under "packages:".');
  });
});
