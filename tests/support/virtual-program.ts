import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { analyzeProgram, type Analysis, type AnalyzerOptions } from '@lockwise/analyzer';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const REPO_ROOT_FOR_PATHS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..').split(path.sep).join('/');

export const VIRTUAL_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  esModuleInterop: true,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
  types: ['node'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  // redlock 5's package.json "exports" hides its types from modern resolution: map them, as its users do.
  paths: { redlock5: [`${REPO_ROOT_FOR_PATHS}/node_modules/redlock5/dist/index.d.ts`] },
};

let counter = 0;

/**
 * A program over in-memory sources that still resolves the lock libraries installed in the
 * repository: the virtual files live under a directory inside the repo that never touches disk.
 */
export function programFromSources(files: Record<string, string>, options: ts.CompilerOptions = VIRTUAL_COMPILER_OPTIONS): { program: ts.Program; rootDir: string } {
  const rootDir = path.join(REPO_ROOT, 'tests', '__virtual__', `p${counter++}`).split(path.sep).join('/');
  const virtual = new Map(Object.entries(files).map(([name, text]) => [`${rootDir}/${name}`, text]));
  const host = virtualCompilerHost(virtual, options, (fileName, text, languageVersion) => ts.createSourceFile(fileName, text, languageVersion, true));
  const program = ts.createProgram([...virtual.keys()], options, host);
  return { program, rootDir };
}

/**
 * A compiler host that serves `files` (absolute path → text) from memory and everything else
 * (lib files, the installed lock libraries) from disk. `parse` makes the `SourceFile` of a
 * virtual file: an editor simulation hands back the same object while the text is unchanged.
 */
export function virtualCompilerHost(
  files: ReadonlyMap<string, string>,
  options: ts.CompilerOptions,
  parse: (fileName: string, text: string, languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions) => ts.SourceFile,
): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const text = files.get(fileName);
    if (text !== undefined) return parse(fileName, text, languageVersion);
    return getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => files.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => files.get(fileName) ?? readFile.call(host, fileName);
  host.directoryExists = (dir) => [...files.keys()].some((f) => f.startsWith(`${dir}/`)) || ts.sys.directoryExists(dir);
  return host;
}

export function analyzeSources(files: Record<string, string>, options: Partial<AnalyzerOptions> = {}): Analysis {
  const { program, rootDir } = programFromSources(files);
  return analyzeProgram(program, { rootDir, ...options });
}
