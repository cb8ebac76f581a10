import path from 'node:path';
import ts from 'typescript';
import { LoadError } from './errors.js';
import { type LoaderFs, relativePosix, resolvePosix, toPosix } from './fs.js';

/**
 * Defaults applied under the user's tsconfig (the tsconfig wins where it says otherwise).
 * TypeScript 6 changed two defaults that would silently change what a TS 5 project means:
 * `types` now defaults to `[]` (so `@types/node` would vanish and `fs.promises` with it) and
 * options deprecated in 6.0 are errors. lockwise audits the code as its authors compile it.
 */
export const LOADER_DEFAULT_OPTIONS: Readonly<ts.CompilerOptions> = Object.freeze({
  types: ['*'],
  ignoreDeprecations: '6.0',
});

/** Options that only matter to emit; dropped because lockwise never emits and they make one program out of several projects fail. */
const EMIT_ONLY_OPTIONS = [
  'composite',
  'incremental',
  'tsBuildInfoFile',
  'outDir',
  'outFile',
  'out',
  'rootDir',
  'declaration',
  'declarationDir',
  'declarationMap',
  'emitDeclarationOnly',
  'sourceMap',
  'inlineSourceMap',
  'inlineSources',
  'sourceRoot',
  'mapRoot',
  'noEmitOnError',
] as const;

/** Boolean options that widen what is analysed: set in the merged program if any project sets them. */
const OR_OPTIONS = [
  'allowJs',
  'checkJs',
  'resolveJsonModule',
  'allowArbitraryExtensions',
  'allowImportingTsExtensions',
  'experimentalDecorators',
  'emitDecoratorMetadata',
  'allowSyntheticDefaultImports',
  'esModuleInterop',
] as const;

/** Diagnostic codes that mean the configuration could not be read at all. */
const FATAL_CONFIG_CODES = new Set([
  5083, // Cannot read file '{0}'.
  6053, // File '{0}' not found. (an `extends` target)
  18000, // Circularity detected while resolving configuration
  5092, // The root value of a '{0}' file must be an object.
]);
/** "No inputs were found in config file": reported by the loader itself, after references are expanded. */
const NO_INPUTS_CODE = 18003;

export interface ProjectConfig {
  /** Absolute POSIX path of the tsconfig file. */
  path: string;
  dir: string;
  options: ts.CompilerOptions;
  /** Root files it selects (`files`/`include`/`exclude`), absolute. */
  fileNames: string[];
  /** Referenced tsconfig files, absolute, in order. */
  references: string[];
  /** Non-fatal diagnostics (unknown options, bad option values). */
  diagnostics: ts.Diagnostic[];
  parsed: ts.ParsedCommandLine;
}

export function diagnosticHost(cwd: string): ts.FormatDiagnosticsHost {
  return {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => cwd,
    getNewLine: () => '\n',
  };
}

/** TypeScript's own text for diagnostics (`tsconfig.json(3,5): error TS1005: ',' expected.`), paths relative to cwd. */
export function formatTsDiagnostics(diagnostics: readonly ts.Diagnostic[], cwd: string): string {
  return ts.formatDiagnostics(diagnostics, diagnosticHost(cwd)).trimEnd();
}

export function parseConfigHost(fs: LoaderFs, cwd: string): ts.ParseConfigHost {
  const matchFiles = (ts as unknown as { matchFiles?: MatchFiles }).matchFiles;
  return {
    useCaseSensitiveFileNames: fs.caseSensitive,
    fileExists: (f) => fs.fileExists(f),
    readFile: (f) => fs.readFile(f),
    readDirectory(rootDir, extensions, excludes, includes, depth) {
      if (typeof matchFiles === 'function') {
        return matchFiles(
          rootDir,
          extensions,
          excludes,
          includes,
          fs.caseSensitive,
          cwd,
          depth,
          (p) => fs.list(p),
          (p) => fs.realpath(p),
        );
      }
      // Not reached with the pinned TypeScript; kept so a TypeScript without the internal still reads the real disk.
      if (fs.host) throw new Error('lockwise: this TypeScript version cannot read tsconfig globs on a custom file system');
      return ts.sys.readDirectory(rootDir, extensions, excludes, includes, depth);
    },
  };
}

type MatchFiles = (
  path: string,
  extensions: readonly string[] | undefined,
  excludes: readonly string[] | undefined,
  includes: readonly string[] | undefined,
  useCaseSensitiveFileNames: boolean,
  currentDirectory: string,
  depth: number | undefined,
  getFileSystemEntries: (path: string) => { files: readonly string[]; directories: readonly string[] },
  realpath: (path: string) => string,
) => string[];

/**
 * The tsconfig to load: `project` (a file, or a directory holding tsconfig.json) resolved
 * against cwd, else `<dir>/tsconfig.json`.
 */
export function locateTsconfig(fs: LoaderFs, rootDir: string, cwd: string, project?: string): string {
  if (project !== undefined) {
    const resolved = resolvePosix(cwd, project);
    if (fs.fileExists(resolved)) return resolved;
    if (fs.directoryExists(resolved)) {
      const inside = path.posix.join(resolved, 'tsconfig.json');
      if (fs.fileExists(inside)) return inside;
      throw new LoadError(
        'no-tsconfig',
        resolved,
        `No tsconfig.json found in ${resolved} (given with --project). Name the tsconfig file itself: --project <path/to/tsconfig.json>.`,
      );
    }
    throw new LoadError(
      'no-tsconfig',
      resolved,
      `The tsconfig given with --project does not exist: ${resolved}. Check the path (it is resolved against ${toPosix(cwd)}).`,
    );
  }
  const candidate = path.posix.join(rootDir, 'tsconfig.json');
  if (fs.fileExists(candidate)) return candidate;
  throw new LoadError(
    'no-tsconfig',
    rootDir,
    `No tsconfig.json found in ${rootDir}. lockwise needs the project's tsconfig to build the program: ` +
      `add a tsconfig.json there, or name one with --project <path/to/tsconfig.json>.`,
  );
}

/**
 * Parses one tsconfig with TypeScript's own parser (`extends` chains included). Throws
 * `LoadError('bad-tsconfig')` with TypeScript's diagnostic text when it cannot be read.
 */
export function parseTsconfig(
  fs: LoaderFs,
  file: string,
  cwd: string,
  extendedConfigCache: Map<string, ts.ExtendedConfigCacheEntry>,
): ProjectConfig {
  const text = fs.readFile(file);
  if (text === undefined) {
    throw new LoadError('no-tsconfig', file, `Cannot read ${file}: the file does not exist or is not readable.`);
  }
  const dir = path.posix.dirname(file);
  const jsonFile = ts.parseJsonText(file, text);
  const syntax = (jsonFile as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (syntax.length > 0) throw badTsconfig(file, syntax, cwd);
  const parsed = ts.parseJsonSourceFileConfigFileContent(
    jsonFile,
    parseConfigHost(fs, cwd),
    dir,
    undefined,
    file,
    undefined,
    undefined,
    extendedConfigCache,
  );
  const fatal = parsed.errors.filter(
    (d) =>
      d.category === ts.DiagnosticCategory.Error &&
      (FATAL_CONFIG_CODES.has(d.code) || (d.code >= 1000 && d.code < 2000)),
  );
  if (fatal.length > 0) throw badTsconfig(file, fatal, cwd);
  // Defaults go under what the tsconfig (and its `extends` chain) says: `existingOptions`
  // would override extended configs, so they are filled in afterwards.
  for (const [key, value] of Object.entries(LOADER_DEFAULT_OPTIONS)) {
    if (parsed.options[key] === undefined) parsed.options[key] = (Array.isArray(value) ? [...value] : value) as ts.CompilerOptionsValue;
  }
  const references = (parsed.projectReferences ?? []).map((ref) => toPosix(ts.resolveProjectReferencePath(ref)));
  return {
    path: file,
    dir,
    options: parsed.options,
    fileNames: parsed.fileNames.map(toPosix),
    references,
    diagnostics: parsed.errors.filter((d) => d.code !== NO_INPUTS_CODE && !fatal.includes(d)),
    parsed,
  };
}

function badTsconfig(file: string, diagnostics: readonly ts.Diagnostic[], cwd: string): LoadError {
  return new LoadError(
    'bad-tsconfig',
    file,
    `Cannot load ${relativeForMessage(cwd, file)}: TypeScript reports\n${formatTsDiagnostics(diagnostics, cwd)}\n` +
      `Fix the tsconfig (run \`tsc -p ${relativeForMessage(cwd, file)} --showConfig\` to see how TypeScript reads it).`,
  );
}

function relativeForMessage(cwd: string, file: string): string {
  const rel = relativePosix(cwd, file);
  return rel.startsWith('../../') ? file : rel;
}

export interface ExpandedProject {
  root: ProjectConfig;
  /** The root and every project reachable through `references`, depth-first, each once. */
  projects: ProjectConfig[];
  /** Every root file of every project, deduplicated, in project order. */
  fileNames: string[];
  options: ts.CompilerOptions;
  diagnostics: ts.Diagnostic[];
}

/**
 * Loads a tsconfig and everything it references into one program's worth of input.
 *
 * Decision (documented in docs/output-format.md, "What is loaded"): a tsconfig with `references`
 * — solution-style (`files: []`) or not — is expanded: the root files of every referenced
 * project (recursively) become root files of ONE program, with compiler options merged by
 * `mergeCompilerOptions`. One program means one type checker, so calls from one referenced
 * project into another resolve to source declarations and the call graph crosses projects.
 */
export function expandProject(fs: LoaderFs, tsconfigPath: string, cwd: string): ExpandedProject {
  const cache = new Map<string, ts.ExtendedConfigCacheEntry>();
  const root = parseTsconfig(fs, tsconfigPath, cwd, cache);
  const projects: ProjectConfig[] = [];
  const seen = new Set<string>();
  const visit = (config: ProjectConfig): void => {
    seen.add(config.path);
    projects.push(config);
    for (const ref of config.references) {
      if (seen.has(ref)) continue;
      if (!fs.fileExists(ref)) {
        throw new LoadError(
          'bad-tsconfig',
          config.path,
          `${relativeForMessage(cwd, config.path)} references ${relativeForMessage(cwd, ref)}, which does not exist. ` +
            `Fix the path in "references" (a directory must contain tsconfig.json).`,
        );
      }
      visit(parseTsconfig(fs, ref, cwd, cache));
    }
  };
  visit(root);

  const fileNames: string[] = [];
  const seenFiles = new Set<string>();
  for (const project of projects) {
    for (const f of project.fileNames) {
      const key = fs.caseSensitive ? f : f.toLowerCase();
      if (seenFiles.has(key)) continue;
      seenFiles.add(key);
      fileNames.push(f);
    }
  }
  if (fileNames.length === 0) {
    throw new LoadError(
      'no-inputs',
      root.path,
      `${relativeForMessage(cwd, root.path)} selects no source files` +
        (projects.length > 1 ? ' (nor do the projects it references)' : '') +
        `. Check its "include"/"files" (and "allowJs" for JavaScript sources).`,
    );
  }
  const contributing = projects.filter((p) => p.fileNames.length > 0);
  return {
    root,
    projects,
    fileNames,
    options: mergeCompilerOptions(root, contributing),
    diagnostics: projects.flatMap((p) => p.diagnostics),
  };
}

/**
 * One set of options for the program built from several projects:
 * - the root tsconfig's own options first (unless it is solution-style: selects no file
 *   itself), then each referenced project with files, depth-first in reference order; for a
 *   scalar option the first project that sets it wins;
 * - options that widen the input (`allowJs`, `resolveJsonModule`, …) are on if any project sets them;
 * - `lib`, `typeRoots`, `rootDirs` are unions; `types` is a union (`*` when any project leaves it at the default);
 * - `paths` of each project are rewritten to absolute substitutions and merged (first
 *   project wins per pattern); a project's `baseUrl` becomes a trailing `"*"` mapping, which is
 *   what `baseUrl` meant for bare specifiers;
 * - emit-only options are dropped and `noEmit` is set: lockwise never writes output.
 * With a single project this is its options minus the emit-only ones.
 */
export function mergeCompilerOptions(root: ProjectConfig, contributing: ProjectConfig[]): ts.CompilerOptions {
  // A solution-style root (no files of its own) only names projects: its options are not theirs.
  const order = contributing.includes(root) ? [root, ...contributing.filter((p) => p !== root)] : [...contributing];
  if (order.length === 0) order.push(root);
  const merged: ts.CompilerOptions = {};
  const single = order.length === 1;
  for (const project of order) {
    for (const [key, value] of Object.entries(project.options)) {
      if (value === undefined) continue;
      if (!(key in merged)) merged[key] = value;
    }
  }
  if (!single) {
    for (const key of OR_OPTIONS) {
      if (order.some((p) => p.options[key] === true)) merged[key] = true;
    }
    merged.lib = union(order.map((p) => p.options.lib));
    merged.typeRoots = union(order.map((p) => p.options.typeRoots));
    merged.rootDirs = union(order.map((p) => p.options.rootDirs));
    const types = order.map((p) => p.options.types);
    merged.types = types.some((t) => t === undefined || t.includes('*')) ? ['*'] : union(types);
    const paths: ts.MapLike<string[]> = {};
    let anyPaths = false;
    for (const project of order) {
      const base = project.options.pathsBasePath ?? project.options.baseUrl ?? project.dir;
      for (const [pattern, subs] of Object.entries(project.options.paths ?? {})) {
        anyPaths = true;
        const absolute = subs.map((s) => resolvePosix(String(base), s));
        paths[pattern] = paths[pattern] ? [...paths[pattern], ...absolute] : absolute;
      }
      if (project.options.baseUrl !== undefined) {
        anyPaths = true;
        const fallback = path.posix.join(toPosix(project.options.baseUrl), '*');
        paths['*'] = [...(paths['*'] ?? []), fallback];
      }
    }
    delete merged.baseUrl;
    delete merged.pathsBasePath;
    if (anyPaths) merged.paths = paths;
    else delete merged.paths;
    for (const key of ['lib', 'typeRoots', 'rootDirs'] as const) {
      if ((merged[key] as unknown[] | undefined)?.length === 0) delete merged[key];
    }
  }
  for (const key of EMIT_ONLY_OPTIONS) delete merged[key];
  merged.noEmit = true;
  merged.configFilePath = root.path;
  return merged;
}

function union(lists: (readonly string[] | undefined)[]): string[] {
  const out: string[] = [];
  for (const list of lists) for (const item of list ?? []) if (!out.includes(item)) out.push(item);
  return out;
}

/**
 * Where a project's build would write each source's output (`.js` and `.d.ts`), mapped back
 * to the source: so that an import that resolves to a workspace package's `dist/index.d.ts`
 * (through node_modules and the package's `types`/`exports`) is analysed as the package's
 * `src/index.ts`, whether or not the package was built. This is what TypeScript's language
 * service does for project references.
 */
export function outputsToSources(fs: LoaderFs, project: ProjectConfig): Map<string, string> {
  const map = new Map<string, string>();
  const commandLine: ts.ParsedCommandLine = {
    ...project.parsed,
    options: {
      ...project.parsed.options,
      declaration: true,
      emitDeclarationOnly: false,
      noEmit: false,
      outFile: undefined,
    },
  };
  for (const source of project.fileNames) {
    if (/\.d\.[cm]?ts$/.test(source) || /\.json$/.test(source)) continue;
    let outputs: readonly string[];
    try {
      outputs = ts.getOutputFileNames(commandLine, source, !fs.caseSensitive);
    } catch {
      continue;
    }
    for (const output of outputs) {
      const out = toPosix(output);
      if (out === source || /\.map$/.test(out)) continue;
      map.set(fs.caseSensitive ? out : out.toLowerCase(), source);
    }
  }
  return map;
}
