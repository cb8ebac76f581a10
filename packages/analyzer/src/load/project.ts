import path from 'node:path';
import type tsTypes from 'typescript';
import ts from 'typescript';
import type { FileSystemHost, Project, ResolutionHostFactory } from 'ts-morph';
import { LoadError } from './errors.js';
import { LoaderFs, resolvePosix, toPosix } from './fs.js';
import {
  expandProject,
  formatTsDiagnostics,
  locateTsconfig,
  outputsToSources,
  parseTsconfig,
  type ProjectConfig,
} from './tsconfig.js';
import { detectWorkspaces, type WorkspacePackage, type Workspaces } from './workspaces.js';

export interface LoadProjectOptions {
  /** The audited directory: where tsconfig.json and the workspace manifest are looked for, and what paths are relative to. Default: cwd. */
  dir?: string;
  /** Explicit tsconfig file (or a directory holding tsconfig.json), resolved against cwd: `--project`. */
  project?: string;
  /** Base for relative `dir` and `project`. Default: process.cwd(). */
  cwd?: string;
  /** A ts-morph file system (e.g. `InMemoryFileSystemHost` for hermetic tests). Default: the real disk. */
  fileSystem?: FileSystemHost;
}

export interface LoadedProject {
  project: Project;
  /** `project.getProgram().compilerObject`: what `analyzeProgram` takes. */
  program: tsTypes.Program;
  /** The audited directory, absolute POSIX. */
  rootDir: string;
  /** The tsconfig that was loaded, absolute POSIX. */
  tsconfigPath: string;
  /** The loaded tsconfig and every tsconfig it references (recursively), absolute POSIX, depth-first. */
  tsconfigs: string[];
  /** Workspace packages: subsystems by default (`SubsystemOptions.packages`). Empty without workspaces. */
  packages: WorkspacePackage[];
  workspaces?: Workspaces;
  /** Root files of the program (absolute POSIX), before imports add more. */
  rootFiles: string[];
  /** Non-fatal configuration diagnostics (unknown options, bad option values): print them as warnings. */
  configDiagnostics: readonly tsTypes.Diagnostic[];
}

/**
 * Loads the audited project into one ts-morph `Project` and one `ts.Program`.
 *
 * - The tsconfig is `project` or `<dir>/tsconfig.json`, parsed by TypeScript itself
 *   (`extends`, `paths`, `allowJs`, …) on the given file system.
 * - `references` are expanded into the same program (see `expandProject`).
 * - Workspaces (package.json `workspaces`, pnpm-workspace.yaml) in `dir` give
 *   `packages`; an import of a workspace package (or of a referenced project) that resolves
 *   to its build output (`dist/index.d.ts`) is analysed as its source.
 * - Syntax errors and unresolved imports in sources are not load errors: the program has them
 *   as diagnostics and the analysis treats unresolved callees as unknown.
 * Throws `LoadError` ('bad-directory', 'no-tsconfig', 'bad-tsconfig', 'no-inputs', 'bad-workspace').
 */
export function loadProject(options: LoadProjectOptions = {}): LoadedProject {
  const cwd = toPosix(options.cwd ?? process.cwd());
  const rootDir = resolvePosix(cwd, options.dir ?? '.');
  const fs = new LoaderFs(options.fileSystem);
  if (!fs.directoryExists(rootDir)) {
    throw new LoadError(
      'bad-directory',
      rootDir,
      fs.fileExists(rootDir)
        ? `${rootDir} is a file, not a directory. Give the project's directory, or its tsconfig with --project <file>.`
        : `The directory to audit does not exist: ${rootDir}.`,
    );
  }
  const tsconfigPath = locateTsconfig(fs, rootDir, cwd, options.project);
  const expanded = expandProject(fs, tsconfigPath, cwd);
  const workspaces = detectWorkspaces(fs, rootDir);
  const packages = workspaces?.packages ?? [];

  // Build outputs of every project we know of, mapped back to their sources.
  const outputs = new Map<string, string>();
  const mapProject = (config: ProjectConfig) => {
    for (const [out, source] of outputsToSources(fs, config)) if (!outputs.has(out)) outputs.set(out, source);
  };
  for (const config of expanded.projects) mapProject(config);
  const known = new Set(expanded.projects.map((p) => p.path));
  for (const pkg of packages) {
    for (const name of ['tsconfig.json', 'tsconfig.build.json']) {
      const file = path.posix.join(pkg.dir, name);
      if (known.has(file) || !fs.fileExists(file)) continue;
      known.add(file);
      try {
        mapProject(parseTsconfig(fs, file, cwd, new Map()));
      } catch {
        // A workspace package's own tsconfig is only used to map its outputs; the audited tsconfig decides the program.
      }
    }
  }

  // ts-morph is for the CLI's loading only: the ESLint face imports this package without it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Project: ProjectClass } = require('ts-morph') as typeof import('ts-morph');
  const project = new ProjectClass({
    compilerOptions: expanded.options,
    fileSystem: options.fileSystem,
    skipAddingFilesFromTsConfig: true,
    ...(outputs.size > 0 ? { resolutionHost: sourceRedirectingResolution(fs, outputs) } : {}),
  });
  for (const file of expanded.fileNames) project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const program = project.getProgram().compilerObject as unknown as tsTypes.Program;

  return {
    project,
    program,
    rootDir,
    tsconfigPath,
    tsconfigs: expanded.projects.map((p) => p.path),
    packages,
    ...(workspaces ? { workspaces } : {}),
    rootFiles: expanded.fileNames,
    configDiagnostics: expanded.diagnostics as unknown as tsTypes.Diagnostic[],
  };
}

/** Formats configuration diagnostics as TypeScript prints them, paths relative to cwd. */
export function formatConfigDiagnostics(diagnostics: readonly tsTypes.Diagnostic[], cwd: string): string {
  return formatTsDiagnostics(diagnostics as unknown as ts.Diagnostic[], toPosix(cwd));
}

const EXTENSIONS: Record<string, ts.Extension> = {
  '.ts': ts.Extension.Ts,
  '.tsx': ts.Extension.Tsx,
  '.mts': ts.Extension.Mts,
  '.cts': ts.Extension.Cts,
  '.js': ts.Extension.Js,
  '.jsx': ts.Extension.Jsx,
  '.mjs': ts.Extension.Mjs,
  '.cjs': ts.Extension.Cjs,
};

/**
 * TypeScript's module resolution, except that a resolution ending at a known project's build
 * output is redirected to the source it is built from. The host reports those outputs as
 * existing, so that an unbuilt workspace package resolves too.
 */
function sourceRedirectingResolution(fs: LoaderFs, outputs: Map<string, string>): ResolutionHostFactory {
  const key = (p: string) => (fs.caseSensitive ? toPosix(p) : toPosix(p).toLowerCase());
  const OUTPUT = /\.(?:d\.[cm]?ts|[cm]?js|jsx)$/;
  /** The known output a path names, directly or through symlinks (node_modules/@scope/pkg → packages/pkg). */
  const outputKey = (p: string): string | undefined => {
    if (!OUTPUT.test(p)) return undefined;
    const direct = key(p);
    if (outputs.has(direct)) return direct;
    const real = key(fs.realpathLoose(p));
    return outputs.has(real) ? real : undefined;
  };
  const lookup = (resolved: string): string | undefined => {
    const k = outputKey(resolved);
    return k === undefined ? undefined : outputs.get(k);
  };
  return (moduleResolutionHost, getCompilerOptions) => {
    const host: ts.ModuleResolutionHost = {
      fileExists: (f) => moduleResolutionHost.fileExists(f) || outputKey(f) !== undefined,
      readFile: (f) => moduleResolutionHost.readFile(f),
      directoryExists: moduleResolutionHost.directoryExists?.bind(moduleResolutionHost),
      realpath: (p) => {
        if (outputKey(p) !== undefined) return fs.realpathLoose(p);
        try {
          return moduleResolutionHost.realpath ? moduleResolutionHost.realpath(p) : p;
        } catch {
          return p;
        }
      },
      getCurrentDirectory: moduleResolutionHost.getCurrentDirectory?.bind(moduleResolutionHost),
      getDirectories: moduleResolutionHost.getDirectories?.bind(moduleResolutionHost),
      useCaseSensitiveFileNames: moduleResolutionHost.useCaseSensitiveFileNames,
    };
    let cache: ts.ModuleResolutionCache | undefined;
    let cacheOptions: ts.CompilerOptions | undefined;
    return {
      resolveModuleNames(moduleNames, containingFile, _reused, redirectedReference, options, containingSourceFile) {
        const compilerOptions = options ?? getCompilerOptions();
        if (!cache || cacheOptions !== compilerOptions) {
          cacheOptions = compilerOptions;
          cache = ts.createModuleResolutionCache(
            host.getCurrentDirectory?.() ?? process.cwd(),
            (f) => (fs.caseSensitive ? f : f.toLowerCase()),
            compilerOptions,
          );
        }
        const imports = (containingSourceFile as unknown as { imports?: readonly ts.StringLiteralLike[] } | undefined)
          ?.imports;
        return moduleNames.map((name) => {
          const usage = imports?.find((i) => i.text === name);
          const mode =
            usage && containingSourceFile ? ts.getModeForUsageLocation(containingSourceFile, usage, compilerOptions) : undefined;
          const resolved = ts.resolveModuleName(name, containingFile, compilerOptions, host, cache, redirectedReference, mode)
            .resolvedModule;
          if (!resolved) return undefined;
          const source = lookup(resolved.resolvedFileName);
          if (!source) return resolved;
          const extension = EXTENSIONS[path.posix.extname(source)] ?? ts.Extension.Ts;
          return { resolvedFileName: source, extension, isExternalLibraryImport: false } satisfies ts.ResolvedModuleFull;
        });
      },
    };
  };
}
