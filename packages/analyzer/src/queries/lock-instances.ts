import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isModuleLevel, resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { symbolAt } from '../flow/symbols.js';
import { hasModifier } from '../graph/functions.js';
import { relativePosix } from '../report/location.js';
import type { CallSite, FunctionFacts } from '../types.js';
import type { LockInstance } from './hold-and-wait-types.js';

/** Separates the fields of an instance path from its root (roots contain dots and slashes). */
const FIELD = '::';
/** Paths longer than this are `unknown`. */
const MAX_FIELDS = 4;

/** A function's call sites by node: facts never change once walked, so this outlives the analysis. */
const sitesOfFacts = new WeakMap<FunctionFacts, Map<ts.Node, CallSite>>();

function sitesByNode(facts: FunctionFacts): Map<ts.Node, CallSite> {
  let sites = sitesOfFacts.get(facts);
  if (!sites) sitesOfFacts.set(facts, (sites = new Map(facts.calls.map((site) => [site.node, site]))));
  return sites;
}

/**
 * What the checker says about the lock calls of one analysis: which object a lock lives in, and
 * whether an acquisition waits (try-style calls do not) or shares (Web Locks `mode: 'shared'`).
 * Answers about a node are kept across program versions while its file is unchanged
 * (`Analysis.memo`).
 */
export class LockCalls {
  /** Every call site by node: built only if a node is not found in the function around it. */
  private everySite?: Map<ts.Node, CallSite>;

  constructor(private readonly analysis: Analysis) {}

  /** The call site a call node is, in whichever function records it. */
  siteAt(node: ts.Node): CallSite | undefined {
    if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) return undefined;
    const fn = this.analysis.functionAt(node);
    const facts = fn && this.analysis.facts.get(fn.key);
    const site = facts && sitesByNode(facts).get(node);
    if (site) return site;
    this.everySite ??= new Map([...this.analysis.facts.values()].flatMap((f) => f.calls.map((c) => [c.node, c] as const)));
    return this.everySite.get(node);
  }

  /** Try-style acquisitions fail instead of waiting: Web Locks `ifAvailable`/`steal`, async-mutex `tryAcquire(lock)`. */
  isTryLike(site: CallSite): boolean {
    const node = site.node;
    const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
    if (op?.lock.library === 'web-locks') {
      const options = webLockOptions(node);
      return options.has('ifAvailable') || options.has('steal');
    }
    const callee = stripExpression(node.expression);
    const receiver = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
    return !!receiver && this.isTryDecorated(receiver);
  }

  private isTryDecorated(expr: ts.Expression, depth = 0): boolean {
    const e = stripExpression(expr);
    if (ts.isCallExpression(e)) {
      const declaration = this.declarationOf(e);
      return !!declaration && declarationName(declaration) === 'tryAcquire' && /[\\/]async-mutex[\\/]/.test(declaration.getSourceFile().fileName);
    }
    if (ts.isIdentifier(e) && depth < 4) {
      const declaration = resolveAlias(this.analysis.checker, symbolAt(this.analysis.checker, e))?.valueDeclaration;
      if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer) return this.isTryDecorated(declaration.initializer, depth + 1);
    }
    return false;
  }

  isShared(node: ts.Node): boolean {
    const site = this.siteAt(node);
    const op = site?.external?.kind === 'lock-op' ? site.external.op : undefined;
    return op?.lock.library === 'web-locks' && webLockOptions(site!.node).get('mode') === 'shared';
  }

  /** The instance a lock acquired (or a callback run) at this node lives in. */
  instanceAt(node: ts.Node): LockInstance {
    return this.analysis.memo('lock-instance', node, () => this.computeInstanceAt(node));
  }

  private computeInstanceAt(node: ts.Node): LockInstance {
    let instance: LockInstance = 'global';
    if (ts.isVariableDeclaration(node) && node.initializer) {
      // `await using h = await lock.acquire()`
      let init = stripExpression(node.initializer);
      if (ts.isAwaitExpression(init)) init = stripExpression(init.expression);
      instance = ts.isCallExpression(init) ? this.instanceAt(init) : 'global';
    } else if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const site = this.siteAt(node);
      const callee = stripExpression(node.expression);
      const op = site?.external?.kind === 'lock-op' ? site.external.op : undefined;
      if (op) {
        if (op.api.endsWith('()')) instance = this.instanceOfLockExpression(callee);
        else if (op.api.startsWith(`${op.lock.library}.`)) instance = 'global';
        else if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) instance = this.instanceOfLockExpression(this.undecorated(callee.expression));
      } else {
        // a user lock wrapper: its lock is a field of the receiver, or global
        instance = this.receiverInstance(node);
      }
    }
    return instance;
  }

  /** `withTimeout(this.mu, 100)` is `this.mu`. */
  private undecorated(expr: ts.Expression): ts.Expression {
    const e = stripExpression(expr);
    if (ts.isCallExpression(e) && e.arguments.length > 0) {
      const declaration = this.declarationOf(e);
      if (declaration && /[\\/]async-mutex[\\/]/.test(declaration.getSourceFile().fileName)) return this.undecorated(e.arguments[0]!);
    }
    return e;
  }

  /** The instance of `this.mu`, `registry.mu`, `mu`: per-instance only for fields of a class. */
  instanceOfLockExpression(expression: ts.Expression, depth = 0): LockInstance {
    const e = stripExpression(expression);
    const checker = this.analysis.checker;
    if (ts.isIdentifier(e) && depth < 6) {
      const declaration = resolveAlias(checker, symbolAt(checker, e))?.valueDeclaration;
      const init = declaration && ts.isVariableDeclaration(declaration) && !isModuleLevel(declaration) ? localAlias(declaration) : undefined;
      return init ? this.instanceOfLockExpression(init, depth + 1) : 'global';
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const nameNode = ts.isPropertyAccessExpression(e) ? e.name : e.argumentExpression;
      const declaration = symbolAt(checker, nameNode)?.valueDeclaration;
      if (!declaration || !isInstanceMember(declaration)) return 'global';
      return this.objectPath(e.expression);
    }
    return 'global';
  }

  /** The receiver of a method call as an instance path: `this`, a module singleton, a local, or unknown. */
  private receiverInstance(call: ts.CallExpression | ts.NewExpression): LockInstance {
    const callee = stripExpression(call.expression);
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) return this.objectPath(callee.expression);
    return 'global';
  }

  /** An instance the callee names relative to its own `this`, seen from the call: `this` becomes the receiver. */
  seenFromCaller(instance: LockInstance, call: ts.CallExpression | ts.NewExpression): LockInstance {
    if (instance.startsWith('local:')) return 'unknown';
    if (instance !== 'this' && !instance.startsWith(`this${FIELD}`)) return instance;
    const callee = stripExpression(call.expression);
    if (!ts.isPropertyAccessExpression(callee) && !ts.isElementAccessExpression(callee)) return 'unknown';
    const receiver = this.objectPath(callee.expression);
    return receiver === 'unknown' ? receiver : bounded(receiver + instance.slice('this'.length));
  }

  private objectPath(expression: ts.Expression, depth = 0): LockInstance {
    // The same receivers are seen from every round of the acquisitions fixpoint.
    if (depth > 0) return this.computeObjectPath(expression, depth);
    return this.analysis.memo('object-path', expression, () => this.computeObjectPath(expression, 0));
  }

  private computeObjectPath(expression: ts.Expression, depth: number): LockInstance {
    const e = stripExpression(expression);
    if (e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.SuperKeyword) return 'this';
    if (depth > 8) return 'unknown';
    if (ts.isIdentifier(e)) {
      const declaration = resolveAlias(this.analysis.checker, symbolAt(this.analysis.checker, e))?.valueDeclaration;
      if (!declaration) return 'unknown';
      const file = relativePosix(this.analysis.options.rootDir, declaration.getSourceFile().fileName);
      if (ts.isVariableDeclaration(declaration) && isModuleLevel(declaration)) return `binding:${file}#${e.text}`;
      const alias = ts.isVariableDeclaration(declaration) ? localAlias(declaration) : undefined;
      if (alias) return this.objectPath(alias, depth + 1);
      if (ts.isVariableDeclaration(declaration) || ts.isParameter(declaration)) {
        return `local:${this.analysis.functionAt(declaration)?.key ?? file}#${e.text}`;
      }
      return 'unknown';
    }
    if (ts.isPropertyAccessExpression(e)) {
      const inner = this.objectPath(e.expression, depth + 1);
      return inner === 'unknown' ? inner : bounded(`${inner}${FIELD}${e.name.text}:${this.typeName(e)}`);
    }
    return 'unknown';
  }

  /** The class (or interface) an object expression is declared as, for instance paths. */
  private typeName(expression: ts.Expression): string {
    try {
      const checker = this.analysis.checker;
      return checker.getNonNullableType(checker.getTypeAtLocation(expression)).getSymbol()?.name ?? '?';
    } catch {
      return '?';
    }
  }

  private declarationOf(call: ts.CallExpression): ts.Declaration | undefined {
    try {
      const declaration = this.analysis.checker.getResolvedSignature(call)?.declaration;
      return declaration && !ts.isJSDocSignature(declaration) ? declaration : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Repeated hops through one field collapse (`this.next.next` is "this, through `next` links"),
 * so recursion over a list or tree does not grow paths forever; overlong paths are `unknown`.
 */
function bounded(instance: LockInstance): LockInstance {
  const segments = instance.split(FIELD).filter((segment, i, all) => i < 2 || segment !== all[i - 1]);
  return segments.length - 1 > MAX_FIELDS ? 'unknown' : segments.join(FIELD);
}

/** `const m = this.mutex`: a local that is another name for an existing object. */
function localAlias(declaration: ts.VariableDeclaration): ts.Expression | undefined {
  const init = declaration.initializer && stripExpression(declaration.initializer);
  if (!init || ts.isNewExpression(init) || ts.isCallExpression(init) || ts.isAwaitExpression(init)) return undefined;
  return ts.isIdentifier(init) || ts.isPropertyAccessExpression(init) || init.kind === ts.SyntaxKind.ThisKeyword ? init : undefined;
}

/**
 * Whether two instance paths name different objects: different roots named directly (`from` and
 * `to`, `this` and `other`), or an object and one reached from it only through fields of the
 * lock's own class (`this` and `this.next.next`: lock coupling over a list or tree). A path
 * through collaborators (`this.pdf.footer.invoices`, wired with `new Footer(this)`) may lead
 * back to the same object, and so may two different roots with fields: taken as the same.
 */
export function distinctInstances(a: LockInstance, b: LockInstance): boolean {
  if (a === b || a === 'unknown' || b === 'unknown' || a === 'global' || b === 'global') return false;
  const [rootA, ...fieldsA] = a.split(FIELD);
  const [rootB, ...fieldsB] = b.split(FIELD);
  if (fieldsA.length === 0 && fieldsB.length === 0) return true;
  const [short, long] = fieldsA.length < fieldsB.length ? [fieldsA, fieldsB] : [fieldsB, fieldsA];
  if (rootA !== rootB || !short.every((f, i) => long[i] === f)) return false;
  const types = new Set(long.slice(short.length).map((segment) => segment.slice(segment.lastIndexOf(':') + 1)));
  return types.size === 1 && !types.has('?');
}

/** Locks that exist once in the program (not one per instance of a class). */
export function isSingleInstance(instance: LockInstance): boolean {
  return instance === 'global' || (instance.startsWith('binding:') && !instance.includes(FIELD));
}

function isInstanceMember(declaration: ts.Declaration): boolean {
  if (ts.isParameter(declaration)) return ts.isConstructorDeclaration(declaration.parent) && !!ts.getModifiers(declaration)?.length;
  if (ts.isPropertyDeclaration(declaration) || ts.isGetAccessorDeclaration(declaration)) {
    return !hasModifier(declaration, ts.SyntaxKind.StaticKeyword);
  }
  return ts.isPropertySignature(declaration) && ts.isInterfaceDeclaration(declaration.parent);
}

function declarationName(declaration: ts.Declaration): string | undefined {
  const name = ts.getNameOfDeclaration(declaration);
  return name && ts.isIdentifier(name) ? name.text : undefined;
}

/** The literal options of `navigator.locks.request(name, options, cb)`. */
function webLockOptions(node: ts.CallExpression | ts.NewExpression): Map<string, string | boolean> {
  const options = new Map<string, string | boolean>();
  const args = node.arguments ?? [];
  const literal = args.length >= 3 ? stripExpression(args[1]!) : undefined;
  if (!literal || !ts.isObjectLiteralExpression(literal)) return options;
  for (const property of literal.properties) {
    if (!ts.isPropertyAssignment(property)) continue;
    const value = stripExpression(property.initializer);
    const name = property.name.getText().replace(/^['"]|['"]$/g, '');
    if (ts.isStringLiteralLike(value)) options.set(name, value.text);
    else if (value.kind === ts.SyntaxKind.TrueKeyword) options.set(name, true);
  }
  return options;
}
