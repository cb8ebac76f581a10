import ts from 'typescript';
import { ownMemberOfThis } from '../flow/shared-state.js';
import { hasModifier } from './functions.js';
import { BLOCKING_OPERATIONS, NON_BLOCKING_PROMISE_APIS, PROMISE_COMBINATORS } from '../model/blocking-operations.js';
import { CALLBACK_APIS, EMIT_APIS, type CallbackApiModel } from '../model/callback-apis.js';
import { declarationOrigin, matchesOperation, type DeclarationOrigin } from '../model/declaration-origin.js';
import { CALL_SIGNATURE, LOCK_LIBRARIES, type ApiModel, type LockTypeModel } from '../model/lock-libraries.js';
import type { LockKind } from '../types.js';
import { resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { symbolAt } from '../flow/symbols.js';

/** A lock model that applies to one declared type, from a library or from the user's own code. */
export interface AppliedLockModel {
  library: string;
  kind: LockKind;
  reentrant: boolean;
  reentrantOption?: string;
  role: LockTypeModel['role'] | 'function';
  api: ApiModel;
  /** `Mutex.runExclusive`, `proper-lockfile.lock`. */
  apiName: string;
}

export type CallClass =
  | { kind: 'lock'; model: AppliedLockModel }
  | { kind: 'blocking'; operation: string; returnsPromise?: true }
  | { kind: 'callback-api'; model: CallbackApiModel; apiName: string }
  | { kind: 'emit'; apiName: string }
  | { kind: 'promise-combinator'; apiName: string }
  | { kind: 'non-blocking'; apiName: string }
  | { kind: 'user'; declarations: ts.Declaration[] }
  | { kind: 'external'; module: string; apiName: string; returnsPromise: boolean }
  | { kind: 'unresolved' };

/** Locks written in the program itself: classes tagged `@lock`, declared in configuration, or recognised by shape. */
/** A lock class or interface written in the program: what its members do to the lock. */
export interface ProgramClassLock {
  kind: LockKind;
  reentrant: boolean;
  library: string;
  members: Record<string, ApiModel>;
}

export interface ProgramLockModels {
  /** Lock classes and interfaces written in the program, by declaration. */
  classes: Map<ts.Node, ProgramClassLock>;
  functions: Map<ts.Node, { library: string; api: ApiModel; reentrant: boolean }>;
}

export class CallClassifier {
  private readonly byDeclaration = new Map<ts.Node, CallClass>();

  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly isProgramFile: (sourceFile: ts.SourceFile) => boolean,
    private readonly programLocks: ProgramLockModels,
    private readonly extraBlocking: readonly { module: string; member: string }[] = [],
    private readonly externalPromisesBlock = true,
  ) {}

  /**
   * The declarations a call resolves to: one, or none, or for a callee typed as a choice of
   * functions each of them (see `unionMembers`). The callee's symbol is asked first: resolving the
   * signature type-checks every argument, callback bodies included, and is only needed when the
   * callee is a value rather than a declared function (a callable lock, a function-typed
   * parameter) or a construction, and leaves a choice.
   */
  private declarationsOf(call: ts.CallLikeExpression): ts.Declaration[] {
    return this.declaredTargets(call).map((declaration) => implementationOf(declaration)!);
  }

  private declaredTargets(call: ts.CallLikeExpression): ts.Declaration[] {
    const named = ts.isNewExpression(call)
      ? this.constructorOf(classDeclarationOf(this.checker, stripExpression(call.expression)))
      : ts.isCallExpression(call) && call.expression.kind === ts.SyntaxKind.SuperKeyword
        ? this.constructorOf(baseClassOf(this.checker, call))
        : ts.isCallExpression(call)
          ? this.namedFunction(stripExpression(call.expression))
          : undefined;
    if (named) return [named];
    const written = ts.isCallExpression(call) ? this.writtenReturnSignature(stripExpression(call.expression)) : undefined;
    if (written) return [written];
    let signatures: readonly (ts.Signature | undefined)[];
    try {
      signatures = (ts.isCallExpression(call) || ts.isNewExpression(call) ? this.unambiguousSignatures(call) : undefined) ?? [this.checker.getResolvedSignature(call)];
    } catch {
      signatures = [];
    }
    const declarations = signatures.map((s) => s?.declaration).filter((d): d is ts.SignatureDeclaration => !!d && !ts.isJSDocSignature(d));
    if (declarations.length > 0) return declarations;
    const expression = ts.isCallExpression(call) || ts.isNewExpression(call) ? stripExpression(call.expression) : undefined;
    if (!expression) return [];
    const nameNode = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
    const symbol = resolveAlias(this.checker, symbolAt(this.checker, nameNode));
    const declaration = declarationOfSymbol(symbol);
    return declaration ? [declaration] : [];
  }

  /**
   * `new Store(…)` of a class the program declares (or `super(…)` in a subclass's constructor):
   * the constructor it declares, or the one it inherits through classes that declare none, found
   * by their symbols. Resolving the construction type-checks its arguments against the
   * constructor's parameters and instantiates the class's generic bases first. Of overloaded
   * constructors, the one with the body runs (the checker would name the overload that matched,
   * which has none). A base that is not a plain class name (a mixin call) and classes of
   * declaration files are left to the checker.
   */
  private constructorOf(start: ts.ClassLikeDeclaration | undefined): ts.Declaration | undefined {
    let cls = start;
    for (let depth = 0; cls && depth < 16; depth++) {
      if (!this.isProgramFile(cls.getSourceFile())) return undefined;
      const constructors = cls.members.filter(ts.isConstructorDeclaration);
      // overloads or not, the constructor with the body is what runs
      if (constructors.length > 0) return constructors.find((c) => c.body);
      cls = baseOf(this.checker, cls);
    }
    return undefined;
  }

  /** The function a callee written as a name (`save`, `store.put`, `this.save`) declares, found by its symbol. */
  private namedFunction(callee: ts.Expression): ts.Declaration | undefined {
    if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee)) return undefined;
    // `this.save()` in a class that declares `save`: the checker would type `this` first to find it
    const own = ts.isPropertyAccessExpression(callee) ? ownMemberOfThis(callee)?.declaration : undefined;
    if (own && isCallableDeclaration(own)) return own;
    const declaration = declarationOfSymbol(resolveAlias(this.checker, symbolAt(this.checker, ts.isPropertyAccessExpression(callee) ? callee.name : callee)));
    return declaration && isCallableDeclaration(declaration) ? declaration : undefined;
  }

  /**
   * `getAction(client, prepare, 'prepare')(params)`: a call of what another call returns. When the
   * function called first is found by its name, declared once, and writes its return type as a
   * function type, the signature the checker would resolve for the second call is that type's,
   * whatever the first call's type arguments: its declaration is the written type. Resolving it
   * would infer those type arguments first, seconds for one call of viem's generic actions.
   */
  private writtenReturnSignature(callee: ts.Expression): ts.FunctionTypeNode | undefined {
    if (!ts.isCallExpression(callee)) return undefined;
    const inner = stripExpression(callee.expression);
    if (!ts.isIdentifier(inner) && !ts.isPropertyAccessExpression(inner)) return undefined;
    const declarations = resolveAlias(this.checker, symbolAt(this.checker, ts.isPropertyAccessExpression(inner) ? inner.name : inner))?.declarations ?? [];
    const declaration = declarations.length === 1 ? declarations[0]! : undefined;
    const fn =
      declaration && (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration))
        ? declaration
        : declaration && ts.isVariableDeclaration(declaration) && !declaration.type && declaration.initializer && isFunctionExpressionLike(stripExpression(declaration.initializer))
          ? (stripExpression(declaration.initializer) as ts.ArrowFunction | ts.FunctionExpression)
          : undefined;
    let type = fn?.type;
    while (type && ts.isParenthesizedTypeNode(type)) type = type.type;
    return type && ts.isFunctionTypeNode(type) ? type : undefined;
  }

  /**
   * The signatures a call resolves to when its callee leaves no choice, without the checker: a
   * callee typed with exactly one call signature (a construction's, one construct signature)
   * resolves to it (instantiated for the call, with the same declaration), an untyped one (`any`)
   * to none, and one typed as a choice of functions to each (`unionMembers`). Resolving the call
   * would type-check every argument first: in viem, `account.signUserOperation(request)` infers
   * `request` through a generic action for seconds, and zod's `new Class(def)` of a
   * `SchemaClass<T>` checks each definition. Undefined when the checker has to choose: overloads,
   * no signature, intersections, type parameters.
   */
  private unambiguousSignatures(call: ts.CallExpression | ts.NewExpression): readonly ts.Signature[] | undefined {
    const callee = this.checker.getTypeAtLocation(call.expression).getNonNullableType();
    if (callee.flags & ts.TypeFlags.Any) return [];
    if (ts.isCallExpression(call) && callee.isUnion()) return this.unionMembers(callee);
    if (callee.flags & (ts.TypeFlags.Union | ts.TypeFlags.Intersection | ts.TypeFlags.TypeParameter)) return undefined;
    const signatures = ts.isNewExpression(call) ? callee.getConstructSignatures() : callee.getCallSignatures();
    return signatures.length === 1 ? signatures : undefined;
  }

  /**
   * A callee whose type is a choice of functions (`serializer = serializeTransaction`, a parameter
   * with a default, is the caller's function or the default): the call may run any of them. The
   * checker resolves such a call to one member's signature, the member whose type it made first,
   * which differs between checkers that met the types in another order (an editor's, after walking
   * a few files). Each member's one signature (a type parameter's constraint's) is taken instead,
   * ordered by file and position; undefined when a member has none or several.
   */
  private unionMembers(callee: ts.UnionType): ts.Signature[] | undefined {
    const signatures: ts.Signature[] = [];
    for (const member of callee.types) {
      const type = member.flags & ts.TypeFlags.TypeParameter ? this.checker.getBaseConstraintOfType(member) : member;
      const own = type?.getCallSignatures() ?? [];
      if (own.length !== 1 || !own[0]!.declaration || ts.isJSDocSignature(own[0]!.declaration)) return undefined;
      signatures.push(own[0]!);
    }
    return signatures.sort((a, b) => comparePlaces(a.declaration!, b.declaration!));
  }

  private readonly byCall = new Map<ts.Node, CallClass>();

  /** What a call is; memoised per call node, so the rounds of the walk ask the checker once. */
  classify(call: ts.CallLikeExpression): CallClass {
    let result = this.byCall.get(call);
    if (!result) {
      result = this.classifyUncached(call);
      this.byCall.set(call, result);
    }
    return result;
  }

  private readonly declarationByCall = new Map<ts.Node, ts.Declaration | undefined>();

  /** The declaration `classify` resolved the call to (after `classify` was called). */
  resolvedDeclaration(call: ts.Node): ts.Declaration | undefined {
    return this.declarationByCall.get(call);
  }

  private classifyUncached(call: ts.CallLikeExpression): CallClass {
    if (ts.isCallExpression(call)) {
      const alternatives = calleeAlternatives(call.expression);
      if (alternatives.length === 1) alternatives.push(...this.defaultAlternatives(alternatives[0]!));
      if (alternatives.length > 1) return this.classifyAlternatives(call, alternatives);
    }
    const declarations = this.declarationsOf(call);
    const declaration = declarations[0];
    this.declarationByCall.set(call, declaration);
    if (declarations.length > 1) return this.classifyMembers(call, declarations);
    if (!declaration) return this.classifyUnresolvedGlobal(call);
    const cached = this.byDeclaration.get(declaration);
    if (cached) return cached;
    const result = this.classifyDeclaration(call, declaration);
    this.byDeclaration.set(declaration, result);
    return result;
  }

  /**
   * `(delegate?.clear || clear)(handle)` may call either function. Resolving the call's signature
   * would give one of them, taken from whichever of the two types the checker happened to create
   * first (the other is reduced away as a subtype): a different one for a checker that met the
   * types in another order, such as an editor's after walking one file. Each alternative is
   * resolved on its own; the call runs every user function among them.
   */
  private classifyAlternatives(call: ts.CallExpression, alternatives: readonly ts.Expression[]): CallClass {
    const declarations = alternatives.map((e) => this.alternativeDeclaration(e)).filter((d): d is ts.Declaration => d !== undefined);
    this.declarationByCall.set(call, declarations[0]);
    return this.classifyMembers(call, declarations);
  }

  /**
   * `fetchFn` bound as `{ fetchFn = options.fetchFn ?? fetch } = params`: the binding's type is a
   * union the checker may reduce to either function type (the one it made first), so the
   * functions its default may be are alternatives of their own, beside the binding.
   */
  private defaultAlternatives(callee: ts.Expression): ts.Expression[] {
    if (!ts.isIdentifier(callee)) return [];
    const declaration = resolveAlias(this.checker, symbolAt(this.checker, callee))?.valueDeclaration;
    return declaration && ts.isBindingElement(declaration) && declaration.initializer ? calleeAlternatives(declaration.initializer) : [];
  }

  /**
   * A call that may run any of `declarations`: every user function among them, or what the first
   * does. A written function type runs nothing of its own: another alternative says what runs.
   */
  private classifyMembers(call: ts.CallLikeExpression, declarations: readonly ts.Declaration[]): CallClass {
    const classes = declarations.map((declaration) => {
      let known = this.byDeclaration.get(declaration);
      if (!known) this.byDeclaration.set(declaration, (known = this.classifyDeclaration(call, declaration)));
      return known;
    });
    const user = [...new Set(classes.flatMap((c) => (c.kind === 'user' ? c.declarations : [])))];
    const runs = user.filter((declaration) => !ts.isFunctionTypeNode(declaration) && !ts.isConstructorTypeNode(declaration));
    if (runs.length > 0) return { kind: 'user', declarations: runs };
    const other = classes.find((c) => c.kind !== 'user');
    if (other) return other;
    return user.length > 0 ? { kind: 'user', declarations: user } : this.classifyUnresolvedGlobal(call);
  }

  private alternativeDeclaration(expression: ts.Expression): ts.Declaration | undefined {
    const named = this.namedFunction(expression);
    if (named) return implementationOf(named);
    const signature = this.checker.getTypeAtLocation(expression).getNonNullableType().getCallSignatures()[0];
    const declaration = signature?.declaration;
    return declaration && !ts.isJSDocSignature(declaration) ? implementationOf(declaration) : undefined;
  }

  private classifyUnresolvedGlobal(call: ts.CallLikeExpression): CallClass {
    return ts.isCallExpression(call) || ts.isNewExpression(call) ? { kind: 'unresolved' } : { kind: 'unresolved' };
  }

  private classifyDeclaration(call: ts.CallLikeExpression, declaration: ts.Declaration): CallClass {
    const sourceFile = declaration.getSourceFile();
    if (this.isProgramFile(sourceFile)) {
      const own = this.programLockModel(declaration);
      if (own) return { kind: 'lock', model: own };
      return { kind: 'user', declarations: [declaration] };
    }
    const origin = declarationOrigin(this.program, declaration);
    // `release()` whose type `() => Promise<void>` is written inside `lock`'s return type resolves to a
    // signature declared within `lock`: calling it is calling what `lock` handed back, not `lock`.
    const lock = isFunctionTypeLiteral(declaration) ? undefined : libraryLockModel(origin);
    if (lock) return { kind: 'lock', model: lock };
    const apiName = origin.path.filter((n) => n !== 'global').join('.') || '(anonymous)';
    for (const op of NON_BLOCKING_PROMISE_APIS) {
      if (matchesOperation(origin, op.module, op.member)) return { kind: 'non-blocking', apiName };
    }
    if (origin.module === 'typescript/lib' && origin.path[0] === 'PromiseConstructor' && PROMISE_COMBINATORS.has(origin.path[1] ?? '')) {
      return { kind: 'promise-combinator', apiName: `Promise.${origin.path[1]}` };
    }
    for (const op of [...BLOCKING_OPERATIONS, ...this.extraBlocking.map((e) => ({ ...e, what: 'configured as blocking' }))]) {
      if (matchesOperation(origin, op.module, op.member)) {
        return { kind: 'blocking', operation: `${displayModule(origin.module)}${apiName} (${op.what})`, ...(declaresPromise(declaration) ? { returnsPromise: true as const } : {}) };
      }
    }
    const typeMember = origin.path.slice(-2).join('.');
    const callback = CALLBACK_APIS[typeMember] ?? CALLBACK_APIS[origin.path[origin.path.length - 1] ?? ''] ?? CALLBACK_APIS[`*.${origin.path[origin.path.length - 1]}`];
    if (callback && (origin.path.length <= 2 || CALLBACK_APIS[typeMember])) return { kind: 'callback-api', model: callback, apiName };
    if (EMIT_APIS.has(typeMember) || (origin.path[origin.path.length - 1] === 'emit' && /EventEmitter/.test(origin.path.join('.')))) {
      return { kind: 'emit', apiName };
    }
    return {
      kind: 'external',
      module: origin.module ?? '(unknown)',
      apiName,
      returnsPromise: this.externalPromisesBlock && returnsPromise(this.checker, call),
    };
  }

  private programLockModel(declaration: ts.Declaration): AppliedLockModel | undefined {
    const fn = this.programLocks.functions.get(declaration) ?? this.programLocks.functions.get(initializerOf(declaration) ?? declaration);
    if (fn) {
      return { library: fn.library, kind: 'mutex', reentrant: fn.reentrant, role: 'function', api: fn.api, apiName: declarationName(declaration) };
    }
    const owner = declaration.parent;
    if (!owner || !(ts.isClassLike(owner) || ts.isInterfaceDeclaration(owner))) return undefined;
    const cls = this.programLocks.classes.get(owner);
    const member = declarationName(declaration);
    const api = cls?.members[member];
    if (!cls || !api) return undefined;
    return { library: cls.library, kind: cls.kind, reentrant: cls.reentrant, role: 'lock', api, apiName: `${owner.name?.text ?? '<class>'}.${member}` };
  }
}

/**
 * Whether a declaration's written return type is a promise (`text(): Promise<string>`): what a
 * rule needs to know of a blocking call, without typing the call (on an editor's cold checker,
 * typing `response.text()` means resolving `fetch` first). Unsure for anything else.
 */
function declaresPromise(declaration: ts.Declaration): boolean {
  const written = ts.isFunctionLike(declaration)
    ? declaration.type
    : (ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration) || ts.isVariableDeclaration(declaration)) && declaration.type && ts.isFunctionTypeNode(declaration.type)
      ? declaration.type.type
      : undefined;
  return !!written && ts.isTypeReferenceNode(written) && ts.isIdentifier(written.typeName) && (written.typeName.text === 'Promise' || written.typeName.text === 'PromiseLike');
}

function isFunctionTypeLiteral(declaration: ts.Declaration): boolean {
  return ts.isFunctionTypeNode(declaration) || (ts.isCallSignatureDeclaration(declaration) && ts.isTypeLiteralNode(declaration.parent));
}

function displayModule(module: string | undefined): string {
  if (!module || module === 'typescript/lib' || module === 'node' || module === 'undici-types') return '';
  return `${module}.`;
}

function declarationName(declaration: ts.Declaration): string {
  const name = ts.getNameOfDeclaration(declaration);
  if (!name) return ts.isCallSignatureDeclaration(declaration) ? CALL_SIGNATURE : '(anonymous)';
  return ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText();
}

function initializerOf(declaration: ts.Declaration): ts.Node | undefined {
  if (ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) {
    return declaration.initializer && stripExpression(declaration.initializer);
  }
  return undefined;
}

export function libraryLockModel(origin: DeclarationOrigin): AppliedLockModel | undefined {
  if (!origin.module) return undefined;
  for (const library of LOCK_LIBRARIES) {
    if (!library.packages.includes(origin.module)) continue;
    const member = origin.path[origin.path.length - 1] ?? '';
    const typeName = origin.path[origin.path.length - 2];
    const base = { library: library.id, reentrant: library.reentrant, reentrantOption: library.reentrantOption };
    if (typeName !== undefined) {
      const type = library.types[typeName];
      const api = type?.members[member];
      if (type && api) return { ...base, kind: type.kind, reentrant: type.reentrant ?? library.reentrant, role: type.role, api, apiName: `${typeName}.${member}` };
      const callable = member === CALL_SIGNATURE ? library.callables?.[typeName] : undefined;
      if (callable) return { ...base, kind: library.kind, role: 'lock', api: callable, apiName: `${library.id}()` };
    }
    const fn = library.functions?.[member];
    if (fn && origin.path.length <= 2) return { ...base, kind: library.kind, role: 'function', api: fn, apiName: `${library.id}.${member}` };
  }
  return undefined;
}

/** The lock model of a type, if the type is a lock, handle or releaser of a modelled library. */
export function lockTypeOf(
  program: ts.Program,
  checker: ts.TypeChecker,
  type: ts.Type,
  programLocks: ProgramLockModels,
): { library: string; role: LockTypeModel['role']; kind: LockKind; reentrant: boolean; reentrantOption?: string } | undefined {
  const candidates = type.isUnion() ? type.types : [type];
  for (const candidate of candidates) {
    const symbol = candidate.aliasSymbol ?? candidate.getSymbol();
    for (const declaration of symbol?.declarations ?? []) {
      if (ts.isClassLike(declaration) || ts.isInterfaceDeclaration(declaration)) {
        const own = programLocks.classes.get(declaration);
        if (own) return { library: own.library, role: 'lock', kind: own.kind, reentrant: own.reentrant };
      }
      const origin = declarationOrigin(program, declaration);
      if (!origin.module) continue;
      const typeName = origin.path[origin.path.length - 1];
      for (const library of LOCK_LIBRARIES) {
        if (!library.packages.includes(origin.module) || typeName === undefined) continue;
        const model = library.types[typeName];
        if (model) return { library: library.id, role: model.role, kind: model.kind, reentrant: model.reentrant ?? library.reentrant, reentrantOption: library.reentrantOption };
        if (library.callables?.[typeName]) return { library: library.id, role: 'lock', kind: library.kind, reentrant: library.reentrant };
      }
    }
  }
  void checker;
  return undefined;
}

export function returnsPromise(checker: ts.TypeChecker, call: ts.CallLikeExpression): boolean {
  try {
    const type = checker.getTypeAtLocation(call);
    return isPromiseLike(checker, type);
  } catch {
    return false;
  }
}

export function isPromiseLike(checker: ts.TypeChecker, type: ts.Type): boolean {
  const types = type.isUnion() ? type.types : [type];
  return types.some((t) => {
    const name = t.getSymbol()?.name;
    if (name === 'Promise' || name === 'PromiseLike') return true;
    const then = t.getProperty('then');
    return !!then && !!(then.flags & ts.SymbolFlags.Method) && checker.getTypeOfSymbol(then).getCallSignatures().length > 0;
  });
}

function isFunctionExpressionLike(node: ts.Node): node is ts.ArrowFunction | ts.FunctionExpression {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

/** A declaration that is itself a function: calling the symbol runs it (no signature resolution needed). */
function isCallableDeclaration(declaration: ts.Declaration): boolean {
  return (
    ts.isFunctionDeclaration(declaration) ||
    ts.isMethodDeclaration(declaration) ||
    ts.isMethodSignature(declaration) ||
    ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) &&
      !!declaration.initializer &&
      (ts.isArrowFunction(stripExpression(declaration.initializer)) || ts.isFunctionExpression(stripExpression(declaration.initializer))))
  );
}

/**
 * An overload signature (`function pick(a: string): string;`, a method's, a constructor's) stands
 * for the implementation written after it: the body that runs whichever overload the call
 * matched. Declarations without an implementation (a declaration file, an abstract method) stay.
 */
function implementationOf(declaration: ts.Declaration | undefined): ts.Declaration | undefined {
  if (!declaration || !(ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration) || ts.isConstructorDeclaration(declaration)) || declaration.body) return declaration;
  const name = declaration.name && ts.isIdentifier(declaration.name) ? declaration.name.text : undefined;
  const isStatic = hasModifier(declaration, ts.SyntaxKind.StaticKeyword);
  const parent = declaration.parent;
  const siblings: readonly ts.Node[] = ts.isClassLike(parent) ? parent.members : ts.isSourceFile(parent) || ts.isModuleBlock(parent) || ts.isBlock(parent) ? parent.statements : [];
  const implements_ = (node: ts.Node): boolean => {
    if (node.kind !== declaration.kind || !(node as ts.FunctionLikeDeclaration).body || hasModifier(node, ts.SyntaxKind.StaticKeyword) !== isStatic) return false;
    if (ts.isConstructorDeclaration(node)) return true;
    const other = (node as ts.FunctionDeclaration | ts.MethodDeclaration).name;
    return name !== undefined && !!other && ts.isIdentifier(other) && other.text === name;
  };
  return (siblings.find(implements_) as ts.Declaration | undefined) ?? declaration;
}

/** The class a class extends, when it names one (`extends Base<T>`). */
function baseOf(checker: ts.TypeChecker, cls: ts.ClassLikeDeclaration): ts.ClassDeclaration | undefined {
  const base = cls.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  return base && classDeclarationOf(checker, stripExpression(base.expression));
}

/** `super(…)`: the base of the class whose constructor makes the call. */
function baseClassOf(checker: ts.TypeChecker, call: ts.CallExpression): ts.ClassDeclaration | undefined {
  let node: ts.Node | undefined = call.parent;
  while (node && !ts.isConstructorDeclaration(node) && !ts.isSourceFile(node)) node = node.parent;
  return node && ts.isConstructorDeclaration(node) && ts.isClassLike(node.parent) ? baseOf(checker, node.parent) : undefined;
}

/** The class declaration a name (`Store`, `models.Store`) resolves to, if that is all it is. */
function classDeclarationOf(checker: ts.TypeChecker, expression: ts.Expression): ts.ClassDeclaration | undefined {
  if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression)) return undefined;
  const symbol = resolveAlias(checker, symbolAt(checker, ts.isPropertyAccessExpression(expression) ? expression.name : expression));
  const declarations = symbol?.declarations ?? [];
  return declarations.length === 1 && ts.isClassDeclaration(declarations[0]!) ? declarations[0] : undefined;
}

/** An order of declarations by file and position: the same for every checker. */
function comparePlaces(a: ts.Node, b: ts.Node): number {
  const fa = a.getSourceFile().fileName;
  const fb = b.getSourceFile().fileName;
  return fa < fb ? -1 : fa > fb ? 1 : a.pos - b.pos;
}

/**
 * A symbol's declaration. A property of a union (`destination: Subscriber | Observer`) whose
 * members declare it differently has no value declaration, and lists the members' declarations
 * in the order the checker created the member types, which differs between checkers that met
 * them in another order (an editor's, after walking one file): the first by file and position
 * is every checker's answer.
 */
function declarationOfSymbol(symbol: ts.Symbol | undefined): ts.Declaration | undefined {
  if (!symbol) return undefined;
  if (symbol.valueDeclaration) return symbol.valueDeclaration;
  const declarations = symbol.declarations ?? [];
  if (declarations.length < 2 || !(symbol.flags & ts.SymbolFlags.Transient)) return declarations[0];
  return [...declarations].sort(comparePlaces)[0];
}

/** The functions a callee written as a choice (`a || b`, `a ?? b`, `c ? a : b`) may be; the callee alone for any other. */
function calleeAlternatives(callee: ts.Expression): ts.Expression[] {
  const e = stripExpression(callee);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.BarBarToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    return [...calleeAlternatives(e.left), ...calleeAlternatives(e.right)];
  }
  if (ts.isConditionalExpression(e)) return [...calleeAlternatives(e.whenTrue), ...calleeAlternatives(e.whenFalse)];
  return [e];
}
