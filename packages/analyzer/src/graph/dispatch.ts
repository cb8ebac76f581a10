import ts from 'typescript';
import { resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { isFunctionNode, type FunctionIndex } from './functions.js';
import { symbolAt } from '../flow/symbols.js';
import { changedOnlyAlike } from '../incremental/file-list-diff.js';

/**
 * Maps a resolved declaration to the function bodies a call to it may run: the body itself,
 * the function a variable or property is initialised with, and for interface, abstract and
 * overridable methods every implementation or override in the program.
 */
type TypeDeclaration = ts.ClassLikeDeclaration | ts.InterfaceDeclaration;

/** The classes and interfaces a file declares with `extends`/`implements`, and their bases' declarations. */
interface HeritageEdge {
  sub: TypeDeclaration;
  bases: ts.Node[];
}

// Per file, so an editor re-lint reads again only the edited file's heritage clauses.
const heritageByFile = new WeakMap<ts.SourceFile, HeritageEdge[]>();

/** A program's heritage index, with what the next program's is compared with. */
export interface SubtypeIndex {
  files: readonly ts.SourceFile[];
  subtypes: Map<ts.Node, TypeDeclaration[]>;
  /** Files that declare a base some other file's class or interface extends or implements. */
  basesIn: ReadonlySet<ts.SourceFile>;
}

export class Dispatch {
  private subtypes?: SubtypeIndex;
  private readonly memo = new Map<ts.Node, string[]>();

  /** `previous`: the index of the project's last program, kept when the changed files declare no heritage and no base. */
  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly index: FunctionIndex,
    private readonly sourceFiles: readonly ts.SourceFile[],
    private readonly previous?: SubtypeIndex,
  ) {}

  /** The heritage index, if a call through a member asked for it. */
  get subtypeIndexBuilt(): SubtypeIndex | undefined {
    return this.subtypes;
  }

  functionsOf(declaration: ts.Node): string[] {
    const body = bodyOf(declaration);
    const info = body && this.index.byNode.get(body);
    return info ? [info.key] : [];
  }

  targetsOf(declaration: ts.Declaration, _call?: ts.Node): string[] {
    const cached = this.memo.get(declaration);
    if (cached) return cached;
    const keys = new Set(this.functionsOf(declaration));
    const member = memberName(declaration);
    const owner = declaration.parent;
    if (member !== undefined && owner && (ts.isClassLike(owner) || ts.isInterfaceDeclaration(owner))) {
      for (const sub of this.allSubclasses(owner)) {
        for (const m of sub.members) {
          if (memberName(m) === member) for (const key of this.functionsOf(m)) keys.add(key);
        }
      }
    }
    const result = [...keys];
    this.memo.set(declaration, result);
    return result;
  }

  /** Every class that extends or implements the type, directly or through other classes and interfaces. */
  private allSubclasses(type: TypeDeclaration): ts.ClassLikeDeclaration[] {
    const direct = this.subtypeIndex();
    const seen = new Set<ts.Node>([type]);
    const result: ts.ClassLikeDeclaration[] = [];
    const queue: ts.Node[] = [type];
    while (queue.length) {
      for (const sub of direct.get(queue.pop()!) ?? []) {
        if (seen.has(sub)) continue;
        seen.add(sub);
        if (ts.isClassLike(sub)) result.push(sub);
        queue.push(sub);
      }
    }
    return result;
  }

  /** Heritage edges of every class and interface in the program, from base declaration to subtype. */
  private subtypeIndex(): Map<ts.Node, TypeDeclaration[]> {
    if (this.subtypes) return this.subtypes.subtypes;
    // an edit inside a body of a file that declares no heritage and no base leaves the index as it was
    const previous = this.previous;
    if (previous && changedOnlyAlike(previous.files, this.sourceFiles, (before, after) => !hasHeritage(before) && !hasHeritage(after) && !previous.basesIn.has(before))) {
      this.subtypes = { ...previous, files: this.sourceFiles };
      return this.subtypes.subtypes;
    }
    const index = new Map<ts.Node, TypeDeclaration[]>();
    const basesIn = new Set<ts.SourceFile>();
    const currentFiles = new Map<ts.SourceFile, boolean>();
    const current = (node: ts.Node) => {
      const file = node.getSourceFile();
      let is = currentFiles.get(file);
      if (is === undefined) currentFiles.set(file, (is = this.program.getSourceFile(file.fileName) === file));
      return is;
    };
    for (const sf of this.sourceFiles) {
      let edges = heritageByFile.get(sf);
      // edges into a file that has since changed point at declarations no longer in the program
      if (!edges || edges.some((e) => !e.bases.every(current))) {
        edges = heritageEdges(sf, this.checker);
        heritageByFile.set(sf, edges);
      }
      for (const { sub, bases } of edges) {
        for (const base of bases) {
          const list = index.get(base) ?? [];
          list.push(sub);
          index.set(base, list);
          basesIn.add(base.getSourceFile());
        }
      }
    }
    this.subtypes = { files: this.sourceFiles, subtypes: index, basesIn };
    return index;
  }
}

const declaresHeritage = new WeakMap<ts.SourceFile, boolean>();

/**
 * Whether a file declares a class or interface that extends or implements something: only an edit
 * of such a file (before or after) can change which implementations a call through a base runs.
 */
export function hasHeritage(sf: ts.SourceFile): boolean {
  let found = declaresHeritage.get(sf);
  if (found === undefined) {
    found = false;
    if (/\b(extends|implements)\b/.test(sf.text)) {
      const visit = (node: ts.Node): void => {
        if (found) return;
        if ((ts.isClassLike(node) || ts.isInterfaceDeclaration(node)) && node.heritageClauses?.length) found = true;
        else ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    declaresHeritage.set(sf, found);
  }
  return found;
}

function heritageEdges(sf: ts.SourceFile, checker: ts.TypeChecker): HeritageEdge[] {
  const edges: HeritageEdge[] = [];
  // most files extend nothing: their text says so without a walk
  if (!hasHeritage(sf)) return edges;
  const visit = (node: ts.Node): void => {
    if ((ts.isClassLike(node) || ts.isInterfaceDeclaration(node)) && node.heritageClauses) {
      const bases: ts.Node[] = [];
      for (const clause of node.heritageClauses) {
        for (const type of clause.types) {
          const base = resolveAlias(checker, symbolAt(checker, type.expression));
          for (const declaration of base?.declarations ?? []) {
            if (ts.isClassLike(declaration) || ts.isInterfaceDeclaration(declaration)) bases.push(declaration);
          }
        }
      }
      if (bases.length) edges.push({ sub: node, bases });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

function memberName(node: ts.Node): string | undefined {
  if (
    (ts.isMethodDeclaration(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) || ts.isPropertySignature(node) || ts.isGetAccessorDeclaration(node)) &&
    node.name
  ) {
    return ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name) ? node.name.text : node.name.getText();
  }
  return undefined;
}

/** The function body a declaration stands for: itself, or the function it is initialised with. */
export function bodyOf(declaration: ts.Node): ts.Node | undefined {
  if (isFunctionNode(declaration)) return declaration;
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const init = stripExpression(declaration.initializer);
    if (isFunctionNode(init)) return init;
  }
  if (ts.isShorthandPropertyAssignment(declaration)) return undefined;
  return undefined;
}
