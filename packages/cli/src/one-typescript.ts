import { createRequire } from 'node:module';
import Module from 'node:module';

/**
 * ts-morph ships its own copy of TypeScript (`@ts-morph/common/dist/typescript.js`), byte for
 * byte the `typescript` package it is pinned to (tests/toolchain.test.ts checks the versions),
 * while the analyzer uses the `typescript` package, the one typescript-eslint shares in the
 * editor. Loading both costs the CLI a second 9 MB compile and a second set of caches, so the
 * CLI points ts-morph's copy at the shared one before either is loaded. Only this process is
 * affected; the ESLint plugin never loads ts-morph.
 */
export function shareOneTypeScript(): void {
  const fromAnalyzer = createRequire(createRequire(import.meta.url).resolve('@lockwise/analyzer'));
  const shared = fromAnalyzer.resolve('typescript');
  const internal = Module as unknown as { _resolveFilename: (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string };
  const resolve = internal._resolveFilename;
  internal._resolveFilename = function (request, parent, ...rest) {
    if (request === './typescript' && parent?.filename && /[\\/]@ts-morph[\\/]common[\\/]/.test(parent.filename)) return shared;
    return resolve.call(this, request, parent, ...rest);
  };
}
