import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { isDefaultLibrary, isFromExternalLibrary } from '../flow/checker-calls.js';

/**
 * Where a resolved declaration comes from: the module that declares it and the path of
 * names from that module down to it (`['promises', 'readFile']` in module `fs`). Program
 * code has no module: its declarations are the user's own functions.
 */
export interface DeclarationOrigin {
  module?: string;
  path: string[];
}

const packageNameCache = new Map<string, string | undefined>();
const packageOfFileCache = new Map<string, string | undefined>();

/** The package a file under node_modules belongs to, read from its package.json (aliases resolve to the real name). */
export function packageNameOfFile(fileName: string): string | undefined {
  if (packageOfFileCache.has(fileName)) return packageOfFileCache.get(fileName);
  const name = packageNameOfFileUncached(fileName);
  packageOfFileCache.set(fileName, name);
  return name;
}

function packageNameOfFileUncached(fileName: string): string | undefined {
  const normalized = fileName.split(path.sep).join('/');
  const at = normalized.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const rest = normalized.slice(at + '/node_modules/'.length).split('/');
  const dirSegments = rest[0]?.startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1);
  const packageDir = normalized.slice(0, at + '/node_modules/'.length) + dirSegments.join('/');
  if (packageNameCache.has(packageDir)) return packageNameCache.get(packageDir);
  let name: string | undefined = dirSegments.join('/');
  try {
    const manifest = JSON.parse(fs.readFileSync(`${packageDir}/package.json`, 'utf8')) as { name?: unknown };
    if (typeof manifest.name === 'string') name = manifest.name;
  } catch {
    // a package without a readable manifest keeps its folder name
  }
  name = name && fromTypesPackage(name);
  packageNameCache.set(packageDir, name);
  return name;
}

function fromTypesPackage(name: string): string {
  if (!name.startsWith('@types/')) return name;
  const bare = name.slice('@types/'.length);
  return bare.includes('__') ? `@${bare.replace('__', '/')}` : bare;
}

/**
 * Library code, not the user's: TypeScript's own lib files and what was resolved from a
 * package. A root file of the program is the user's even when it lives under node_modules
 * (auditing a package's shipped sources).
 */
export function isExternalFile(program: ts.Program, sourceFile: ts.SourceFile): boolean {
  return isDefaultLibrary(program, sourceFile) || isFromExternalLibrary(program, sourceFile);
}

// Declarations of library code are asked about at every call into them; their origin never changes.
const originCache = new WeakMap<ts.Node, DeclarationOrigin>();

export function declarationOrigin(program: ts.Program, declaration: ts.Node): DeclarationOrigin {
  let origin = originCache.get(declaration);
  if (!origin) {
    origin = computeOrigin(program, declaration);
    originCache.set(declaration, origin);
  }
  return origin;
}

function computeOrigin(program: ts.Program, declaration: ts.Node): DeclarationOrigin {
  const sourceFile = declaration.getSourceFile();
  const names: string[] = [];
  let module: string | undefined;
  for (let node: ts.Node | undefined = declaration; node && !ts.isSourceFile(node); node = node.parent) {
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      module = node.name.text.replace(/^node:/, '');
      break;
    }
    const name = nameOf(node);
    if (name !== undefined) names.unshift(name);
  }
  if (module === undefined) {
    if (isDefaultLibrary(program, sourceFile) || /\/typescript\/lib\/lib\.[^/]*\.d\.ts$/.test(sourceFile.fileName)) {
      module = 'typescript/lib';
    } else {
      module = packageNameOfFile(sourceFile.fileName);
    }
  }
  return { module, path: names };
}

function nameOf(node: ts.Node): string | undefined {
  if (ts.isCallSignatureDeclaration(node)) return '()';
  if (ts.isConstructSignatureDeclaration(node) || ts.isConstructorDeclaration(node)) return 'new';
  if (
    ts.isClassDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isMethodSignature(node) ||
    ts.isPropertyDeclaration(node) ||
    ts.isPropertySignature(node) ||
    ts.isVariableDeclaration(node) ||
    ts.isModuleDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isEnumDeclaration(node)
  ) {
    const name = node.name;
    if (!name) return 'default';
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
    return name.getText();
  }
  return undefined;
}

/** `module#A.b` match against a table entry (`*` wildcards for a whole module or type, `@scope/*` for a scope). */
export function matchesOperation(origin: DeclarationOrigin, module: string, member: string): boolean {
  if (origin.module === undefined) return false;
  if (module.endsWith('/*') ? !origin.module.startsWith(module.slice(0, -1)) : origin.module !== module) return false;
  if (member === '*') return true;
  const wanted = member.split('.');
  if (wanted[wanted.length - 1] === '*') {
    const prefix = wanted.slice(0, -1);
    return prefix.every((name, i) => origin.path[i] === name) && origin.path.length > prefix.length;
  }
  // Members match from the end: `Response.json` matches a path `['Response', 'json']` wherever it sits.
  const tail = origin.path.slice(-wanted.length);
  return tail.length === wanted.length && tail.every((name, i) => name === wanted[i]);
}
