import nodeFs from 'node:fs';
import path from 'node:path';
import type { FileSystemHost } from 'ts-morph';

/** Forward slashes everywhere: the loader's paths are compared, hashed and printed. */
export function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}

/** Absolute, normalised, POSIX form of `p` resolved against `base`. */
export function resolvePosix(base: string, p: string): string {
  return toPosix(path.resolve(base, p));
}

/** POSIX path of `file` relative to `dir` (`.` for the directory itself). */
export function relativePosix(dir: string, file: string): string {
  return toPosix(path.relative(dir, file)) || '.';
}

export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface DirEntries {
  /** Base names, sorted. */
  files: string[];
  directories: string[];
}

/**
 * The reads the loader needs. Backed by node:fs, or by a ts-morph `FileSystemHost` (an
 * `InMemoryFileSystemHost` in hermetic tests) when the caller passes one, so that the
 * tsconfig, the workspace manifests and the sources all come from the same place. Never writes.
 */
export class LoaderFs {
  readonly caseSensitive: boolean;

  constructor(readonly host?: FileSystemHost) {
    this.caseSensitive = host ? host.isCaseSensitive() : !isCaseInsensitiveFs();
  }

  readFile(file: string): string | undefined {
    try {
      if (this.host) return this.host.fileExistsSync(file) ? this.host.readFileSync(file, 'utf-8') : undefined;
      return nodeFs.readFileSync(file, 'utf-8');
    } catch {
      return undefined;
    }
  }

  fileExists(file: string): boolean {
    try {
      if (this.host) return this.host.fileExistsSync(file);
      return nodeFs.statSync(file).isFile();
    } catch {
      return false;
    }
  }

  directoryExists(dir: string): boolean {
    try {
      if (this.host) return this.host.directoryExistsSync(dir);
      return nodeFs.statSync(dir).isDirectory();
    } catch {
      return false;
    }
  }

  realpath(p: string): string {
    try {
      return toPosix(this.host ? this.host.realpathSync(p) : nodeFs.realpathSync.native(p));
    } catch {
      return toPosix(p);
    }
  }

  private readonly dirRealpaths = new Map<string, string>();

  /**
   * Realpath of a path that may not exist yet (an unbuilt `dist/index.d.ts` behind a
   * node_modules symlink): the nearest existing ancestor directory is resolved (and cached)
   * and the rest appended.
   */
  realpathLoose(p: string): string {
    const file = toPosix(p);
    if (this.fileExists(file)) return this.realpath(file);
    return path.posix.join(this.realDirectory(path.posix.dirname(file)), path.posix.basename(file));
  }

  private realDirectory(dir: string): string {
    const cached = this.dirRealpaths.get(dir);
    if (cached !== undefined) return cached;
    let result: string;
    if (this.directoryExists(dir)) {
      result = this.realpath(dir);
    } else {
      const parent = path.posix.dirname(dir);
      result = parent === dir ? dir : path.posix.join(this.realDirectory(parent), path.posix.basename(dir));
    }
    this.dirRealpaths.set(dir, result);
    return result;
  }

  list(dir: string): DirEntries {
    const files: string[] = [];
    const directories: string[] = [];
    let entries: { name: string; isFile: boolean; isDirectory: boolean; isSymlink: boolean }[];
    try {
      entries = this.host
        ? this.host.readDirSync(dir)
        : nodeFs.readdirSync(dir, { withFileTypes: true }).map((e) => ({
            name: e.name,
            isFile: e.isFile(),
            isDirectory: e.isDirectory(),
            isSymlink: e.isSymbolicLink(),
          }));
    } catch {
      return { files, directories };
    }
    for (const entry of entries) {
      // node:fs and the real ts-morph host give base names, the in-memory host full paths.
      const name = path.posix.basename(toPosix(entry.name));
      if (name === '' || name === '.' || name === '..') continue;
      let isFile = entry.isFile;
      let isDirectory = entry.isDirectory;
      if (entry.isSymlink) {
        const full = path.posix.join(toPosix(dir), name);
        isDirectory = this.directoryExists(full);
        isFile = !isDirectory && this.fileExists(full);
      }
      if (isFile) files.push(name);
      else if (isDirectory) directories.push(name);
    }
    files.sort();
    directories.sort();
    return { files, directories };
  }
}

function isCaseInsensitiveFs(): boolean {
  return process.platform === 'win32' || process.platform === 'darwin';
}
