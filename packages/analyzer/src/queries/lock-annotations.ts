import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { lockTypeOf, type ProgramLockModels } from '../graph/call-classifier.js';
import { isFunctionNode } from '../graph/functions.js';
import { isModuleLevel, ownerName, resolveAlias } from '../flow/lock-identity.js';
import { relativePosix } from '../report/location.js';
import { closestName } from '../report/closest-name.js';
import { symbolAt } from '../flow/symbols.js';

/**
 * The lock annotations of the program, in the spirit of Clang's thread-safety attributes,
 * written as JSDoc: `@guardedBy <lock>` on fields and module bindings, `@requires`,
 * `@excludes`, `@acquires`, `@releases` on functions. A `<lock>` is the field or binding as
 * the annotated code sees it (`mu`, `this.mu`, `mutex`, a parameter) and resolves to the
 * analyzer's lock identity (`Class#mu`, `src/file.ts#mutex`). A name that does not resolve,
 * or resolves to something that is not a lock, is reported back with the nearest lock name
 * in scope: an annotation that silently checks nothing is worse than none.
 */

export type FunctionAnnotationKind = 'requires' | 'excludes' | 'acquires' | 'releases';
export const FUNCTION_ANNOTATIONS: readonly FunctionAnnotationKind[] = ['requires', 'excludes', 'acquires', 'releases'];

/** One lock named in an annotation. */
export interface LockRef {
  /** As written: `mu`, `this.mu`. */
  written: string;
  /** The resolved identity; undefined when `problem` is set. */
  id?: string;
  /** Set when the lock is a parameter of the annotated function: substituted at each call. */
  paramIndex?: number;
  problem?: 'unknown' | 'not-a-lock';
  /** The nearest lock name in scope, for "did you mean". */
  suggestion?: string;
}

export interface Annotation {
  kind: FunctionAnnotationKind | 'guardedBy';
  tag: ts.JSDocTag;
  /** The declaration the tag documents. */
  host: ts.Node;
  /** Empty for a bare `@acquires` (any lock the function takes). */
  refs: LockRef[];
}

export interface GuardedState {
  /** The shared-state id accesses are recorded under (`Account#balance`, `src/a.ts#counter`). */
  state: string;
  /** The field or binding as written. */
  name: string;
  declaration: ts.Node;
  annotation: Annotation;
}

export interface ProgramAnnotations {
  /** Per function key, its lock annotations. */
  functions: Map<string, Annotation[]>;
  /** Per shared-state id, its guard. */
  guarded: Map<string, GuardedState>;
  /** Every annotation, for reporting names that do not resolve. */
  all: Annotation[];
}

const cache = new WeakMap<Analysis, ProgramAnnotations>();

/**
 * One file's annotations, resolved once per walk of the file (see `Analysis.memo`): what a name
 * resolves to depends on the file and the declarations it imports. A name whose declaration has
 * no lock type is a lock only if the program takes it somewhere (a hand-rolled or configured
 * lock): that part depends on the whole program and is decided when the annotations are put
 * together, against the lock inventory, and only for such names.
 */
interface FileAnnotations {
  functions: [string, Annotation[]][];
  guarded: GuardedState[];
  /** Annotations with a name left to the inventory to decide. */
  pending: boolean;
}

/** A name that resolved to a declaration without a lock type: `id` if the program takes it as a lock, else `otherwise`. */
interface PendingRef extends LockRef {
  otherwise: LockRef;
}

export function programAnnotations(analysis: Analysis): ProgramAnnotations {
  const cached = cache.get(analysis);
  if (cached) return cached;
  const result: ProgramAnnotations = { functions: new Map(), guarded: new Map(), all: [] };
  const resolver = new LockNameResolver(analysis);
  // every edit asks this of every file, and most files have no annotation: the loops below go over the annotated ones only
  const files = analysis.sourceFiles
    .filter(mentionsAny)
    .map((sourceFile) => analysis.memo('lock-annotations', sourceFile, () => fileAnnotations(analysis, sourceFile, resolver)));
  let knownLocks: ReadonlySet<string> | undefined;
  const settle = (annotation: Annotation): Annotation => {
    if (!annotation.refs.some((ref) => 'otherwise' in ref)) return annotation;
    knownLocks ??= new Set(analysis.locks.keys());
    const refs = annotation.refs.map((ref) => ('otherwise' in ref ? (knownLocks!.has(ref.id!) ? { written: ref.written, id: ref.id } : (ref as PendingRef).otherwise) : ref));
    return { ...annotation, refs };
  };
  for (const file of files) {
    for (const [key, list] of file.functions) {
      const annotations = file.pending ? list.map(settle) : list;
      result.functions.set(key, annotations);
      result.all.push(...annotations);
    }
  }
  for (const file of files) {
    for (const guarded of file.guarded) {
      const settled = file.pending ? { ...guarded, annotation: settle(guarded.annotation) } : guarded;
      result.guarded.set(settled.state, settled);
      result.all.push(settled.annotation);
    }
  }
  cache.set(analysis, result);
  return result;
}

/** Most files have no lock annotation, and a tag is always written `@name` in the text. */
const mentions = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

function mentionsOf(sourceFile: ts.SourceFile): ReadonlySet<string> {
  // asked of every file on every edit: the scan, whose closure captures the file, is a function of its own (see subsystems.ts)
  return mentions.get(sourceFile) ?? scanMentions(sourceFile);
}

function scanMentions(sourceFile: ts.SourceFile): ReadonlySet<string> {
  const found = new Set([...FUNCTION_ANNOTATIONS, 'guardedBy'].filter((tag) => sourceFile.text.includes(`@${tag}`)));
  mentions.set(sourceFile, found);
  return found;
}

function mentionsAny(sourceFile: ts.SourceFile): boolean {
  return mentionsOf(sourceFile).size > 0;
}

function fileAnnotations(analysis: Analysis, sourceFile: ts.SourceFile, resolver: LockNameResolver): FileAnnotations {
  const tags = mentionsOf(sourceFile);
  const result: FileAnnotations = { functions: [], guarded: [], pending: false };
  if (FUNCTION_ANNOTATIONS.some((name) => tags.has(name))) {
    const visit = (node: ts.Node): void => {
      const info = isFunctionNode(node) && node.body ? analysis.functionOf(node) : undefined;
      if (info) {
        const annotations = tagsOf(info.node)
          .filter(({ name }) => (FUNCTION_ANNOTATIONS as readonly string[]).includes(name))
          .map(({ name, tag, host }) => ({
            kind: name as FunctionAnnotationKind,
            tag,
            host,
            refs: lockNames(tag).map((written) => resolver.resolve(written, info.node as ts.FunctionLikeDeclaration)),
          }));
        if (annotations.length) result.functions.push([info.key, annotations]);
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(sourceFile, visit);
  }
  if (tags.has('guardedBy')) result.guarded = guardedDeclarations(analysis, sourceFile, resolver);
  const refs = [...result.functions.flatMap(([, list]) => list), ...result.guarded.map((g) => g.annotation)].flatMap((a) => a.refs);
  result.pending = refs.some((ref) => 'otherwise' in ref);
  return result;
}

/** The resolved locks a function's annotations of one kind name (unresolved names left out). */
export function annotatedLocks(annotations: ProgramAnnotations, key: string, kind: FunctionAnnotationKind): LockRef[] {
  return (annotations.functions.get(key) ?? []).filter((a) => a.kind === kind).flatMap((a) => a.refs.filter((r) => r.id !== undefined));
}

export function hasAnnotation(annotations: ProgramAnnotations, key: string, kind: FunctionAnnotationKind): boolean {
  return (annotations.functions.get(key) ?? []).some((a) => a.kind === kind);
}

/** `mu`, `this.mu, other`, `mu -- why`: the comma-separated names before any description. */
export function lockNames(tag: ts.JSDocTag): string[] {
  const comment = typeof tag.comment === 'string' ? tag.comment : (ts.getTextOfJSDocComment(tag.comment) ?? '');
  const names = comment.split(/\s+(?:-{1,2}|\u2014)\s+/)[0] ?? '';
  return names
    .split(',')
    .map((part) => part.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

function tagsOf(node: ts.Node): { name: string; tag: ts.JSDocTag; host: ts.Node }[] {
  const hosts: ts.Node[] = [node];
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) hosts.push(parent, parent.parent.parent);
  if (parent && (ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent))) hosts.push(parent);
  const seen = new Set<ts.JSDocTag>();
  const tags: { name: string; tag: ts.JSDocTag; host: ts.Node }[] = [];
  for (const host of hosts) {
    for (const tag of ts.getJSDocTags(host)) {
      if (seen.has(tag)) continue;
      seen.add(tag);
      tags.push({ name: tag.tagName.text, tag, host: node });
    }
  }
  return tags;
}

function guardedDeclarations(analysis: Analysis, sourceFile: ts.SourceFile, resolver: LockNameResolver): GuardedState[] {
  const found: GuardedState[] = [];
  const rel = relativePosix(analysis.options.rootDir, sourceFile.fileName);
  const add = (state: string, name: string, declaration: ts.Node, docHost: ts.Node, context: ts.Node) => {
    for (const tag of ts.getJSDocTags(docHost)) {
      if (tag.tagName.text !== 'guardedBy') continue;
      const refs = lockNames(tag).slice(0, 1).map((written) => resolver.resolve(written, context));
      found.push({ state, name, declaration, annotation: { kind: 'guardedBy', tag, host: declaration, refs } });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isClassLike(node)) {
      for (const member of node.members) {
        if (ts.isPropertyDeclaration(member) && (ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name))) {
          add(`${node.name?.text ?? '<class>'}#${member.name.text}`, member.name.text, member, member, member);
        }
      }
    }
    if (ts.isVariableStatement(node) && (ts.isSourceFile(node.parent) || ts.isModuleBlock(node.parent))) {
      for (const declaration of node.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) add(`${rel}#${declaration.name.text}`, declaration.name.text, declaration, node, declaration);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

const NO_PROGRAM_LOCKS: ProgramLockModels = { classes: new Map(), functions: new Map() };

/** Resolves a lock as written in an annotation, from the place the annotation documents. */
class LockNameResolver {
  private readonly checker: ts.TypeChecker;

  constructor(private readonly analysis: Analysis) {
    this.checker = analysis.checker;
  }

  resolve(written: string, context: ts.Node): LockRef {
    const segments = written.split('.');
    const fn = isFunctionNode(context) ? context : undefined;
    const cls = enclosingClass(context);
    let declaration: ts.Declaration | undefined;
    let symbol: ts.Symbol | undefined;
    let rest = segments;
    if (segments[0] === 'this') {
      symbol = cls ? this.member(cls, segments[1] ?? '') : undefined;
      rest = segments.slice(2);
    } else {
      const parameter = fn?.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === segments[0]) ?? -1;
      if (fn && parameter >= 0 && segments.length === 1) {
        const param = fn.parameters[parameter]!;
        const name = this.analysis.functionOf(fn)?.name ?? '<fn>';
        return this.isLock(param) ? { written, id: `${name}(${segments[0]})`, paramIndex: parameter } : this.problem(written, 'not-a-lock', context);
      }
      // A class member first, as Clang resolves `mu` in `GUARDED_BY(mu)`; then the lexical scope.
      symbol = (cls && this.member(cls, segments[0]!)) || this.lexical(segments[0]!, context);
      rest = segments.slice(1);
    }
    for (const segment of rest) {
      if (!symbol) break;
      const type = this.checker.getTypeOfSymbolAtLocation(symbol, context);
      symbol = type.getProperty(segment);
    }
    declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!symbol || !declaration) return this.problem(written, 'unknown', context);
    const id = this.identityOf(declaration, symbol.name);
    if (!this.isLock(declaration)) {
      const pending: PendingRef = { written, id, otherwise: this.problem(written, 'not-a-lock', context) };
      return pending;
    }
    return { written, id };
  }

  private member(cls: ts.ClassLikeDeclaration, name: string): ts.Symbol | undefined {
    const classSymbol = cls.name ? symbolAt(this.checker, cls.name) : undefined;
    const type = classSymbol ? this.checker.getDeclaredTypeOfSymbol(classSymbol) : this.checker.getTypeAtLocation(cls);
    return type.getProperty(name);
  }

  private lexical(name: string, context: ts.Node): ts.Symbol | undefined {
    const symbol = this.checker.resolveName(name, context, ts.SymbolFlags.Value | ts.SymbolFlags.Alias, false);
    return resolveAlias(this.checker, symbol);
  }

  /** The same identity the flow walk gives the lock when code names it (see `placeOf`). */
  private identityOf(declaration: ts.Declaration, name: string): string {
    const file = relativePosix(this.analysis.options.rootDir, declaration.getSourceFile().fileName);
    if (ts.isVariableDeclaration(declaration) && isModuleLevel(declaration)) return `${file}#${name}`;
    const owner = ownerName(declaration);
    if (owner) return `${owner}#${name}`;
    return `${file}#${name}`;
  }

  private isLock(declaration: ts.Node): boolean {
    let type: ts.Type;
    try {
      type = this.checker.getTypeAtLocation(declaration);
    } catch {
      return false;
    }
    const model = lockTypeOf(this.analysis.program, this.checker, type, NO_PROGRAM_LOCKS);
    if (model?.role === 'lock') return true;
    // A class of the program's own that is a lock: tagged `@lock`.
    return (type.getSymbol()?.declarations ?? []).some((d) => ts.isClassLike(d) && ts.getJSDocTags(d).some((t) => t.tagName.text === 'lock'));
  }

  private problem(written: string, problem: LockRef['problem'], context: ts.Node): LockRef {
    return { written, problem, suggestion: closest(written, this.lockNamesInScope(context)) };
  }

  /** Lock fields of the enclosing class, lock parameters, and lock bindings of the module. */
  private lockNamesInScope(context: ts.Node): string[] {
    const names = new Set<string>();
    const cls = enclosingClass(context);
    if (cls) {
      const classSymbol = cls.name ? symbolAt(this.checker, cls.name) : undefined;
      const type = classSymbol ? this.checker.getDeclaredTypeOfSymbol(classSymbol) : undefined;
      for (const property of type?.getProperties() ?? []) {
        const declaration = property.valueDeclaration;
        if (declaration && this.isLock(declaration)) names.add(property.name);
      }
    }
    if (isFunctionNode(context)) {
      for (const p of context.parameters) if (ts.isIdentifier(p.name) && this.isLock(p)) names.add(p.name.text);
    }
    for (const symbol of this.checker.getSymbolsInScope(context, ts.SymbolFlags.Variable | ts.SymbolFlags.Alias)) {
      const target = resolveAlias(this.checker, symbol);
      const declaration = target?.valueDeclaration;
      if (!declaration || declaration.getSourceFile().isDeclarationFile) continue;
      if (this.isLock(declaration)) names.add(symbol.name);
    }
    return [...names];
  }
}

function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (ts.isClassLike(current)) return current;
  }
  return undefined;
}

/** The candidate within a small edit distance, for "did you mean". */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return closestName(word.replace(/^this\./, ''), candidates);
}
