import ts from 'typescript';
import { packageNameOfFile } from './declaration-origin.js';
import { LOCK_LIBRARIES } from './lock-libraries.js';
import { perSourceFile } from '../incremental/per-source-file.js';

/**
 * Whether any value of a program can have a lock type. Asking a value's type is the walk's most
 * expensive question to the checker: it makes TypeScript infer the type of nearly every binding
 * and property read, work a lint without lockwise never asks for. A type is a lock type only when
 * it is declared by a modelled library or is one of the program's own lock classes, so a program
 * that contains neither (most of the npm corpus) can skip the question and get the same answers.
 */
export function lockTypesPossible(program: ts.Program, programLockClasses: number): boolean {
  if (programLockClasses > 0) return true;
  for (const sf of program.getSourceFiles()) if (mayProvideLockTypes(sf)) return true;
  return false;
}

// Library declarations live in a package's files or in an ambient `declare module 'pkg'`.
const LIBRARY_PACKAGES = new Set(LOCK_LIBRARIES.flatMap((library) => library.packages).filter((name) => name !== 'typescript/lib'));
const AMBIENT_LIBRARY = new RegExp(`declare\\s+module\\s+['"](${[...LIBRARY_PACKAGES].map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})['"]`);
// Web locks are declared by TypeScript's own DOM library, present in most programs. Code reaches
// them through `navigator.locks` (or `self.locks`), or names their types: a program whose code
// never writes one of these words as a name holds no web-lock value. A comment or a string that
// says them (`// cleanup locks`) does not count.
const WEB_LOCK_WORDS = /\b(locks|LockManager|Lock)\b/g;

const mayProvideLockTypes = perSourceFile((sf): boolean => {
  const libraryFile = sf.fileName.includes('/node_modules/') && LIBRARY_PACKAGES.has(packageNameOfFile(sf.fileName) ?? '');
  return libraryFile || AMBIENT_LIBRARY.test(sf.text) || (!sf.isDeclarationFile && namesWebLock(sf));
});

function namesWebLock(sf: ts.SourceFile): boolean {
  for (const match of sf.text.matchAll(WEB_LOCK_WORDS)) if (isNameAt(sf, match.index)) return true;
  return false;
}

/** Whether a name of the code starts at `position`: descends to the token there; comments lie between tokens. */
function isNameAt(sf: ts.SourceFile, position: number): boolean {
  let node: ts.Node = sf;
  for (;;) {
    const child: ts.Node | undefined = ts.forEachChild(node, (c) => (c.getStart(sf) <= position && position < c.end ? c : undefined));
    if (!child) return false;
    if (ts.isIdentifier(child)) return child.getStart(sf) === position;
    node = child;
  }
}
