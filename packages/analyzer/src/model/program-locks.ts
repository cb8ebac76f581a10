import ts from 'typescript';
import type { ProgramClassLock, ProgramLockModels } from '../graph/call-classifier.js';
import type { DeclaredLock, LockOptions } from '../options.js';
import type { HandRolledShape, Recognition } from '../types.js';
import { changedOnlyAlike } from '../incremental/file-list-diff.js';
import { CONVENTIONAL_MEMBERS, type ApiModel } from './lock-libraries.js';
import { classesOf } from '../graph/file-classes.js';
import { perSourceFile } from '../incremental/per-source-file.js';

export interface ProgramLockDiscovery extends ProgramLockModels {
  /** How each program-defined lock class or function was recognised, for the inventory. */
  recognitions: Map<ts.Node, { name: string; recognition: Recognition }>;
}

/**
 * Locks written in the program itself. Half of real code rolls its own mutex, so a class
 * or function is a lock when the user says so (`@lock`, configuration) or when it has the
 * shape of one: it chains callers on a promise, hands out a release function, queues
 * resolvers between acquire and release, or returns a disposable guard. Shapes can be
 * refuted or confirmed in configuration by class name.
 */
export function discoverProgramLocks(
  sourceFiles: readonly ts.SourceFile[],
  checker: ts.TypeChecker,
  options: LockOptions = {},
  isLibraryLock: (type: ts.Type) => boolean = () => false,
  previous?: ProgramLocksOfFiles,
): ProgramLocksOfFiles {
  const disposal = sourceFiles.some(mentionsDisposal);
  // a flip of that program-wide answer invalidates every file's finds, as a change of options does
  const optionsKey = JSON.stringify(options) + (disposal ? '' : ' (no disposal)');
  // built only when a file has finds to check: an edit elsewhere asks about the edited file alone
  let inProgram: ReadonlySet<ts.SourceFile> | undefined;
  const findsOf = (sf: ts.SourceFile): Find[] => {
    let cached = discoveredByFile.get(sf);
    // a file's finds stay valid while the file and the files its @lock fields point into are unchanged
    if (!cached || cached.optionsKey !== optionsKey || cached.finds.some((f) => !(inProgram ??= new Set(sourceFiles)).has(f.node.getSourceFile()))) {
      cached = { optionsKey, finds: discoverInFile(sf, checker, options, isLibraryLock, disposal) };
      discoveredByFile.set(sf, cached);
    }
    return cached.finds;
  };
  // An edit inside a body of a file that declares no lock, nor a class a lock field names,
  // leaves the discovery as it was.
  const foundNothing = (before: ts.SourceFile) => {
    // the old version's finds as they were found (asking the new checker about an old file would be wrong)
    const cached = discoveredByFile.get(before);
    return cached?.optionsKey === optionsKey && cached.finds.length === 0 && !previous!.pointedInto.has(before);
  };
  if (previous?.optionsKey === optionsKey && changedOnlyAlike(previous.files, sourceFiles, (before, after) => foundNothing(before) && findsOf(after).length === 0)) {
    return { ...previous, files: sourceFiles };
  }
  const discovery: ProgramLockDiscovery = { classes: new Map(), functions: new Map(), recognitions: new Map() };
  const pointedInto = new Set<ts.SourceFile>();
  for (const sf of sourceFiles) {
    for (const find of findsOf(sf)) {
      if (find.node.getSourceFile() !== sf) pointedInto.add(find.node.getSourceFile());
      if (find.weak && discovery.classes.has(find.node)) continue;
      discovery.classes.set(find.node, find.model);
      discovery.recognitions.set(find.node, find.recognition);
    }
  }
  return { files: sourceFiles, optionsKey, discovery, pointedInto };
}

/** A discovery with what the next program's is compared with: its files, options, and the files its finds point into from others. */
export interface ProgramLocksOfFiles {
  files: readonly ts.SourceFile[];
  optionsKey: string;
  discovery: ProgramLockDiscovery;
  pointedInto: ReadonlySet<ts.SourceFile>;
}

/** What the program's own locks were taken for, as text: a body edit that changes it changes what other files' walks found. */
export function programLocksSignature(discovery: ProgramLockDiscovery): string {
  return JSON.stringify([[...discovery.classes.values()], [...discovery.functions.values()], [...discovery.recognitions.values()]]);
}

interface Find {
  node: ts.ClassLikeDeclaration | ts.InterfaceDeclaration;
  model: ProgramClassLock;
  recognition: { name: string; recognition: Recognition };
  /** Found through a `@lock` field's type: a class's own tag, declaration or shape overrides it. */
  weak: boolean;
}

/** Per file, so an editor re-lint looks again only at the edited file. */
const discoveredByFile = new WeakMap<ts.SourceFile, { optionsKey: string; finds: Find[] }>();

function discoverInFile(sf: ts.SourceFile, checker: ts.TypeChecker, options: LockOptions, isLibraryLock: (type: ts.Type) => boolean, disposal: boolean): Find[] {
  const finds: Find[] = [];
  const refuted = new Set(options.refute ?? []);
  const confirmed = new Set(options.confirm ?? []);
  const declared = new Map<string, DeclaredLock>((options.declare ?? []).map((d) => [d.target, d]));
  const reentrant = new Set(options.reentrant ?? []);

  // most files tag nothing `@lock`: their text says so, and spares each class and field its JSDoc lookup
  const mayBeTagged = sf.text.includes('@lock');
  const classFind = (node: ts.ClassLikeDeclaration): void => {
    if (!node.name) return;
    const name = node.name.text;
    const declaredLock = declared.get(name);
    const tagged = mayBeTagged ? ts.getJSDocTags(node).find((t) => t.tagName.text === 'lock') : undefined;
    if (declaredLock || tagged) {
      const members = declaredMembers(node, declaredLock, tagged);
      finds.push({
        node,
        model: { kind: declaredLock?.kind ?? 'mutex', reentrant: declaredLock?.reentrant ?? reentrant.has(name), library: 'user', members },
        recognition: { name, recognition: declaredLock ? { by: 'config' } : { by: 'jsdoc' } },
        weak: false,
      });
    } else if (!refuted.has(name)) {
      // A class that holds a library lock wraps it: its summaries say what it does, its shape does not.
      // (the shape first: its syntactic pre-test rejects most classes without typing their fields)
      const candidate = classShape(node, checker, disposal);
      const wrapsLibraryLock = () => node.members.some((m) => ts.isPropertyDeclaration(m) && isLibraryLock(checker.getTypeAtLocation(m)));
      const shape = candidate && !wrapsLibraryLock() ? candidate : undefined;
      if (shape) {
        finds.push({
          node,
          model: { kind: 'mutex', reentrant: reentrant.has(name), library: 'hand-rolled', members: shape.members },
          recognition: { name, recognition: { by: 'shape', shape: shape.shape, confirmed: confirmed.has(name) || undefined } },
          weak: false,
        });
      }
    }
  };
  const visit = (node: ts.Node): void => {
    // `/** @lock */ private readonly lease: Lease`: the field's type is a lock type
    if (mayBeTagged && (ts.isPropertyDeclaration(node) || ts.isPropertySignature(node)) && ts.getJSDocTags(node).some((t) => t.tagName.text === 'lock')) {
      const type = checker.getTypeAtLocation(node);
      for (const declaration of type.getSymbol()?.declarations ?? []) {
        if ((ts.isClassLike(declaration) || ts.isInterfaceDeclaration(declaration)) && !declaration.getSourceFile().isDeclarationFile) {
          const members = declaredMembers(declaration, undefined, ts.getJSDocTags(node).find((t) => t.tagName.text === 'lock'));
          finds.push({
            node: declaration,
            model: { kind: 'mutex', reentrant: false, library: 'user', members },
            recognition: { name: declaration.name?.text ?? '<type>', recognition: { by: 'jsdoc' } },
            weak: true,
          });
        }
      }
    }
    if (ts.isClassLike(node)) classFind(node);
    ts.forEachChild(node, visit);
  };
  // without a tag only classes can be found, and a file's classes are known without a walk
  if (mayBeTagged) visit(sf);
  else for (const declaration of classesOf(sf)) classFind(declaration);
  return finds;
}

function declaredMembers(node: ts.ClassLikeDeclaration | ts.InterfaceDeclaration, declared: DeclaredLock | undefined, tag: ts.JSDocTag | undefined): Record<string, ApiModel> {
  const members: Record<string, ApiModel> = {};
  const names = new Set(node.members.map((m) => (m.name ? m.name.getText() : '')));
  for (const [name, api] of Object.entries(CONVENTIONAL_MEMBERS)) if (names.has(name)) members[name] = api;
  // `@lock acquire=take release=give run=exclusive`
  const text = tag ? (typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment) ?? '') : '';
  for (const [, role, member] of text.matchAll(/(acquire|release|run)=(\w+)/g)) {
    members[member!] = role === 'acquire' ? { op: 'acquire', yields: 'releaser' } : role === 'release' ? { op: 'release' } : { op: 'run-callback', callbackArg: 0 };
  }
  for (const m of declared?.acquire ?? []) members[m] = { op: 'acquire', yields: 'releaser' };
  for (const m of declared?.release ?? []) members[m] = { op: 'release' };
  for (const m of declared?.runExclusive ?? []) members[m] = { op: 'run-callback', callbackArg: 0 };
  // an acquire that resolves to nothing is released through the class: keep `yields` honest
  for (const member of node.members) {
    const name = member.name?.getText();
    const api = name ? members[name] : undefined;
    if (api?.op === 'acquire' && (ts.isMethodDeclaration(member) || ts.isMethodSignature(member)) && !returnsFunction(member)) members[name!] = { op: 'acquire', yields: 'none' };
  }
  return members;
}

function returnsFunction(method: ts.MethodDeclaration | ts.MethodSignature): boolean {
  const text = method.type?.getText() ?? '';
  return /=>|Releaser|Release|Unlock/.test(text);
}

/** The shapes of a hand-written lock class, with the member roles each shape implies. */
function classShape(node: ts.ClassLikeDeclaration, checker: ts.TypeChecker, disposal: boolean): { shape: HandRolledShape; members: Record<string, ApiModel> } | undefined {
  // Every shape needs one of these in the class text: a cheap test before asking the checker.
  if (!/new Promise|\.then\(|\.finally\(|Symbol\.(async)?[dD]ispose/.test(node.getText())) return undefined;
  const methods = node.members.filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && !!m.body && !!m.name);
  const members: Record<string, ApiModel> = {};
  let shape: HandRolledShape | undefined;
  const fieldsPushedResolvers = new Set<string>();
  for (const method of methods) {
    const name = method.name.getText();
    const body = method.body!;
    const text = body.getText();
    // a promise chain: this.tail = this.tail.then(() => fn())  (fn a parameter)
    // the text first: typing every parameter of every method of a class that uses promises is not free
    const fnParam = chainsOnField(text) ? method.parameters.findIndex((p) => isFunctionTyped(checker, p)) : -1;
    if (fnParam >= 0) {
      members[name] = { op: 'run-callback', callbackArg: fnParam };
      shape ??= 'promise-chain';
      continue;
    }
    if (disposal && returnsDisposable(checker, method)) {
      members[name] = { op: 'acquire', yields: 'handle' };
      shape ??= 'disposable-guard';
      continue;
    }
    if (/new Promise/.test(text)) {
      const pushed = /this\.(\w+)\.push\(\s*(resolve|r|res|release|\w+)\s*\)/.exec(text);
      if (pushed && !returnsReleaser(checker, method)) {
        fieldsPushedResolvers.add(pushed[1]!);
        members[name] = { op: 'acquire', yields: 'none' };
        shape ??= 'resolver-queue';
        continue;
      }
      if (returnsReleaser(checker, method)) {
        members[name] = { op: 'acquire', yields: 'releaser' };
        shape ??= 'releaser-promise';
        continue;
      }
    }
  }
  if (fieldsPushedResolvers.size) {
    for (const method of methods) {
      const name = method.name.getText();
      if (members[name]) continue;
      const text = method.body!.getText();
      for (const field of fieldsPushedResolvers) {
        if (new RegExp(`this\\.${field}\\.shift\\(\\)`).test(text)) members[name] = { op: 'release' };
      }
    }
    if (!Object.values(members).some((m) => m.op === 'release')) return undefined;
  }
  return shape ? { shape, members } : undefined;
}

function isFunctionTyped(checker: ts.TypeChecker, parameter: ts.ParameterDeclaration): boolean {
  try {
    return checker.getTypeAtLocation(parameter).getCallSignatures().length > 0;
  } catch {
    return false;
  }
}

/** `Promise<() => void>`: the method resolves to a function that gives the lock back. */
function returnsReleaser(checker: ts.TypeChecker, method: ts.MethodDeclaration): boolean {
  const signature = checker.getSignatureFromDeclaration(method);
  if (!signature) return false;
  const returned = checker.getAwaitedType(checker.getReturnTypeOfSignature(signature));
  if (!returned) return false;
  const calls = returned.getCallSignatures();
  return calls.length > 0 && calls.every((c) => c.parameters.length === 0);
}

/**
 * Whether a file may declare or build a disposable guard: its type's `[Symbol.dispose]` member is
 * written in the program, or the type extends a library's `Disposable`. Typing every method's
 * return type only to find none (inferring it from the body where it is not written) is costly;
 * a program none of whose files says so has no guard. Missed: a class of the program that
 * inherits its dispose member from a library class named otherwise.
 */
const mentionsDisposal = perSourceFile((sf) => /Symbol\.(async)?[dD]ispose|Disposable/.test(sf.text));

/** Returns a guard of the program's own making that is released by disposal (`using`). Library disposables (timers, handles) are not guards. */
function returnsDisposable(checker: ts.TypeChecker, method: ts.MethodDeclaration): boolean {
  const signature = checker.getSignatureFromDeclaration(method);
  if (!signature) return false;
  const returned = checker.getAwaitedType(checker.getReturnTypeOfSignature(signature));
  if (!returned) return false;
  const declaredInProgram = (returned.getSymbol()?.declarations ?? []).some((d) => !d.getSourceFile().isDeclarationFile);
  const buildsGuard = /Symbol\.(async)?[dD]ispose/.test(method.body?.getText() ?? '');
  return (declaredInProgram || buildsGuard) && returned.getProperties().some((p) => /__@(dispose|asyncDispose)@/.test(p.escapedName as string));
}

/** `this.tail = …` and `this.tail.then(…)` in one method: callers are chained on a promise field. */
function chainsOnField(text: string): boolean {
  for (const [, field] of text.matchAll(/this\.(\w+)\s*=(?!=)/g)) {
    if (new RegExp(`this\\.${field}\\s*\\.\\s*(then|finally|catch)\\s*\\(`).test(text)) return true;
  }
  return false;
}
