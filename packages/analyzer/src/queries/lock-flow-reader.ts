import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isModuleLevel, resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { symbolAt } from '../flow/symbols.js';
import { isFunctionNode } from '../graph/functions.js';
import { lockTypeOf } from '../graph/call-classifier.js';
import { ROOT_SUBSYSTEM } from '../graph/subsystems.js';
import { isInside, substitute } from '../summaries/wrappers.js';
import type { CallSite, FunctionFacts, FunctionInfo, HeldLock, LockIdentity, WrapperSummary } from '../types.js';
import type { CarriedAs, LockOrigin, LockUse } from './lock-flow.js';

/**
 * How one program version reads lock values off the facts and the checker: where a lock value
 * was made (its origin), which parameter an expression names, and what each argument of a call
 * carries before parameters are resolved (templates). Every checker answer goes through
 * `Analysis.memo`, so a new program version asks the checker only about re-walked files.
 *
 * What a function's templates read besides its own facts (callbacks, callees' wrappers and
 * facts, the owner of each lock) is recorded, so a carried template is rebuilt when any of it
 * changes.
 */

export interface ParamRef {
  function: string;
  index: number;
}

/** A carrier before parameters are resolved: either a known origin or "whatever this parameter receives". */
export interface Template {
  source: { origin: LockOrigin } | { param: ParamRef };
  /** Unset for a parameter source: take the shape of what the parameter receives. */
  as?: CarriedAs;
  uses?: LockUse[];
  member?: string;
  node: ts.Node;
}

/** Library lock types only: a program's own lock classes are known to the walker, which binds such parameters as locks. */
const NO_PROGRAM_LOCKS = { classes: new Map(), functions: new Map() };

/** What the inventory says of a lock, as far as origins depend on it: its owner, or that it is unknown. */
export function ownerSignature(analysis: Analysis, lockId: string): string {
  const info = analysis.locks.get(lockId);
  return info ? `+${info.subsystem}` : '-';
}

export class FlowReader {
  private readonly checker: ts.TypeChecker;
  /** Function keys read while computing one function's templates; unset outside. */
  private consulted: Set<string> | undefined;
  /** Locks whose inventory entry an origin or a template depends on, with what it said. */
  readonly owners = new Map<string, string>();
  private readonly lockTyped = new Map<string, boolean>();
  private programFiles: ReadonlySet<ts.SourceFile> | undefined;

  constructor(readonly analysis: Analysis) {
    this.checker = analysis.checker;
  }

  /** The templates of every call of `f` with an argument that carries a lock, and the other functions they were read from. */
  templatesOf(f: FunctionFacts): { sites: Map<CallSite, Map<number, Template[]>>; deps: Set<string> } {
    const deps = new Set<string>();
    this.consulted = deps;
    try {
      const sites = new Map<CallSite, Map<number, Template[]>>();
      for (const site of f.calls) {
        const byIndex = this.argumentTemplates(f, site);
        if (byIndex.size) sites.set(site, byIndex);
      }
      deps.delete(f.info.key);
      return { sites, deps };
    } finally {
      this.consulted = undefined;
    }
  }

  facts(key: string): FunctionFacts | undefined {
    this.consulted?.add(key);
    return this.analysis.facts.get(key);
  }

  private wrapper(key: string): WrapperSummary | undefined {
    this.consulted?.add(key);
    return this.analysis.wrappers.get(key);
  }

  private knownLock(lockId: string): boolean {
    this.owners.set(lockId, ownerSignature(this.analysis, lockId));
    return this.analysis.locks.has(lockId);
  }

  // ------------------------------------------------------------ origins

  info(key: string): FunctionInfo | undefined {
    return this.analysis.functions.get(key);
  }

  subsystemOfFunction(key: string): string {
    return this.info(key)?.subsystem ?? ROOT_SUBSYSTEM;
  }

  displayName(key: string): string {
    const info = this.info(key);
    return info ? `${info.subsystem}.${info.name}` : key;
  }

  ownerOf(lock: LockIdentity, fallbackFunction: string): string {
    this.owners.set(lock.id, ownerSignature(this.analysis, lock.id));
    return this.analysis.locks.get(lock.id)?.subsystem ?? this.subsystemOfFunction(fallbackFunction);
  }

  /** The origin of a lock seen in `f`: the held entry at a program point, else the latest acquire before it. */
  originIn(f: FunctionFacts, lock: LockIdentity, at?: { held?: readonly HeldLock[]; seq?: number }): LockOrigin {
    const held = at?.held?.find((h) => h.lock.id === lock.id);
    if (held) {
      const where = this.analysis.functionAt(held.acquiredAt)?.key ?? f.info.key;
      return { lock, owner: this.ownerOf(lock, where), function: where, acquiredAt: held.acquiredAt, how: held.via === 'callback' ? 'held' : 'acquired' };
    }
    const acquire = f.lockOps
      .filter((o) => o.op.lock.id === lock.id && ['acquire', 'try-acquire'].includes(o.op.kind) && (at?.seq === undefined || o.seq < at.seq))
      .pop();
    if (acquire) return { lock, owner: this.ownerOf(lock, f.info.key), function: f.info.key, acquiredAt: acquire.node, how: 'acquired' };
    return { lock, owner: this.ownerOf(lock, f.info.key), function: f.info.key, how: 'lock' };
  }

  /**
   * A lock named after a parameter (`helper(release)`) is whatever that parameter receives, unless
   * the function is the callback of a lock API, whose parameter is the lock it holds (mutexify's
   * `lock((release) => …)`, Web Locks' `request(name, (lock) => …)`).
   */
  sourceOf(f: FunctionFacts, lock: LockIdentity, at?: { held?: readonly HeldLock[]; seq?: number }): Template['source'] | undefined {
    if (lock.paramIndex === undefined) return { origin: this.originIn(f, lock, at) };
    const owner = this.parameterOwner(f.info, lock);
    if (!owner) return undefined;
    const region = this.lockApiCallbackOrigin(owner);
    if (region) return { origin: region };
    return { param: { function: owner.key, index: lock.paramIndex } };
  }

  private parameterOwner(info: FunctionInfo, lock: LockIdentity): FunctionInfo | undefined {
    for (let node: ts.Node | undefined = info.node; node; node = node.parent) {
      if (!isFunctionNode(node)) continue;
      const candidate = this.analysis.functionOf(node);
      const parameter = node.parameters[lock.paramIndex!];
      if (candidate && parameter && ts.isIdentifier(parameter.name) && lock.id === `${candidate.name}(${parameter.name.text})`) return candidate;
    }
    return undefined;
  }

  private lockApiCallbackOrigin(info: FunctionInfo): LockOrigin | undefined {
    const inline = info.inlineArgumentOf;
    if (!inline) return undefined;
    const enclosing = this.facts(inline.enclosing);
    const site = enclosing?.calls.find((c) => c.node === inline.call);
    if (site?.external?.kind !== 'lock-op') return undefined;
    const lock = site.external.op.lock;
    return { lock, owner: this.ownerOf(lock, inline.enclosing), function: inline.enclosing, acquiredAt: site.node, how: 'held' };
  }

  /** The parameter an expression names: of this function or of one it is nested in. */
  parameterRef(expr: ts.Expression): ParamRef | undefined {
    const e = stripExpression(expr);
    if (!ts.isIdentifier(e)) return undefined;
    const declaration = this.valueDeclaration(e);
    if (!declaration || !ts.isParameter(declaration) || !isFunctionNode(declaration.parent)) return undefined;
    const owner = this.analysis.functionOf(declaration.parent);
    return owner ? { function: owner.key, index: declaration.parent.parameters.indexOf(declaration) } : undefined;
  }

  /**
   * The declaration of the variable an identifier reads, also in `{ release }` (where the checker
   * answers with the property). The declaration, not the symbol, is kept: an answer is kept for as
   * long as the file's walk is (see `Analysis.memo`), and a symbol the checker made (an alias's
   * target) holds that checker, and with it a whole program version, for as long.
   */
  private valueDeclaration(identifier: ts.Identifier): ts.Declaration | undefined {
    // Asked twice per identifier argument (as a parameter, then as a variable), by every pass, and again by each program version.
    return this.analysis.memo('value-declaration', identifier, () => {
      const parent = identifier.parent;
      const symbol = parent && ts.isShorthandPropertyAssignment(parent) && parent.name === identifier
        ? this.checker.getShorthandAssignmentValueSymbol(parent)
        : symbolAt(this.checker, identifier);
      return resolveAlias(this.checker, symbol)?.valueDeclaration;
    });
  }

  // ------------------------------------------------------------ what an argument carries

  private argumentTemplates(f: FunctionFacts, site: CallSite): Map<number, Template[]> {
    const byIndex = new Map<number, Template[]>();
    const args = site.node.arguments ?? [];
    args.forEach((argument, index) => {
      const found: Template[] = [];
      this.expressionTemplates(f, argument, undefined, found, 0);
      for (const lockArg of site.lockArgs.filter((a) => a.argIndex === index)) {
        const source = this.sourceOf(f, lockArg.lock, site);
        if (!source || found.some((t) => sameSource(t.source, source))) continue;
        // `for (const r of releasers) keep(r)`: the loop variable is named as a lock of its own; the syntax knew better
        if ('origin' in source && source.origin.how === 'lock' && !this.knownLock(source.origin.lock.id) && found.length) continue;
        found.push({ source, as: lockArg.what, uses: lockArg.what === 'releaser' ? ['release'] : [], node: argument });
      }
      for (const forwarded of site.paramArgs.filter((a) => a.argIndex === index)) {
        const source = { param: { function: forwarded.function, index: forwarded.index } };
        if (!found.some((t) => sameSource(t.source, source))) found.push({ source, node: argument });
      }
      // a callback acting on a lock the caller holds: the holding is the origin worth naming
      for (const t of found) {
        const origin = 'origin' in t.source ? t.source.origin : undefined;
        if (origin && !origin.acquiredAt && site.held.some((h) => h.lock.id === origin.lock.id)) {
          t.source = { origin: this.originIn(f, origin.lock, site) };
        }
      }
      if (found.length) byIndex.set(index, found);
    });
    return byIndex;
  }

  /** Inline callbacks, object literals with lock-acting members, locals that hold either, forwarded parameters. */
  private expressionTemplates(f: FunctionFacts, expression: ts.Expression, member: string | undefined, out: Template[], depth: number): void {
    if (depth > 3) return;
    let e = stripExpression(expression);
    if (ts.isSpreadElement(e)) e = stripExpression(e.expression);
    if (isFunctionNode(e)) {
      out.push(...this.functionTemplates(e, member, expression));
      return;
    }
    if (ts.isObjectLiteralExpression(e) && member === undefined) {
      for (const property of e.properties) {
        const name = property.name && !ts.isComputedPropertyName(property.name) ? property.name.getText() : undefined;
        if (!name) continue;
        if (isFunctionNode(property)) out.push(...this.functionTemplates(property, name, property));
        else if (ts.isPropertyAssignment(property)) this.expressionTemplates(f, property.initializer, name, out, depth + 1);
        else if (ts.isShorthandPropertyAssignment(property)) this.expressionTemplates(f, property.name, name, out, depth + 1);
      }
      return;
    }
    if (ts.isArrayLiteralExpression(e)) {
      for (const element of e.elements) this.expressionTemplates(f, element, member, out, depth + 1);
      return;
    }
    if (!ts.isIdentifier(e)) return;
    const param = this.parameterRef(e);
    if (param) {
      out.push({ source: { param }, member, node: expression });
      return;
    }
    const declaration = this.valueDeclaration(e);
    if (!declaration || !ts.isVariableDeclaration(declaration)) return;
    // `for (const r of [release])`: the loop variable carries what the iterated array carries
    const loop = declaration.parent?.parent;
    if (loop && ts.isForOfStatement(loop) && loop.initializer === declaration.parent) {
      this.expressionTemplates(f, loop.expression, member, out, depth + 1);
      return;
    }
    const init = declaration.initializer ? stripExpression(declaration.initializer) : undefined;
    if (!init) return;
    if (isFunctionNode(init) || ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init)) {
      this.expressionTemplates(f, init, member, out, depth + 1);
      return;
    }
    // `const release = await mu.acquire()`: that lock's releaser (the walker also knows, except as an object member or array element)
    {
      const call = stripExpression(ts.isAwaitExpression(init) ? init.expression : init);
      const declaring = this.analysis.functionAt(declaration!);
      const op = declaring && this.facts(declaring.key)?.lockOps.find((o) => o.node === call && o.op.kind === 'acquire');
      if (op && op.op.yields && op.op.yields !== 'none') {
        const as: CarriedAs = op.op.yields === 'handle' ? 'handle' : 'releaser';
        const origin: LockOrigin = { lock: op.op.lock, owner: this.ownerOf(op.op.lock, declaring!.key), function: declaring!.key, acquiredAt: op.node, how: 'acquired' };
        out.push({ source: { origin }, as, uses: as === 'releaser' ? ['release'] : [], member, node: expression });
      }
    }
  }

  /**
   * What a function does to locks it did not take itself, as seen by whoever calls it: a callback
   * `() => release()` releases the releaser it captured; `async () => { await mu.acquire(); }`
   * leaves `mu` held; `() => done()` does whatever the enclosing function's parameter does.
   */
  private functionTemplates(node: ts.FunctionLikeDeclaration, member: string | undefined, at: ts.Node): Template[] {
    const info = this.analysis.functionOf(node);
    const f = info && this.facts(info.key);
    if (!f) return [];
    const bySource = new Map<string, Template>();
    const add = (source: Template['source'] | undefined, use: LockUse | undefined) => {
      if (!source) return;
      const key = sourceKey(source);
      const template = bySource.get(key) ?? { source, as: 'callback' as const, uses: [] as LockUse[], member, node: at };
      if (use && !template.uses!.includes(use)) template.uses!.push(use);
      bySource.set(key, template);
    };
    for (const op of f.lockOps) {
      const held = op.held.find((h) => h.lock.id === op.op.lock.id);
      const takenHere = held && isInside(held.acquiredAt, node);
      if (op.op.kind === 'release' && !takenHere) add(this.sourceOf(f, op.op.lock, op), 'release');
      const leftHeld =
        (f.exits.some((e) => e.held.some((h) => h.lock.id === op.op.lock.id)) && !this.releaserEscapes(f, op.op.lock.id)) || f.returns.some((r) => r.lock.id === op.op.lock.id);
      if (['acquire', 'try-acquire'].includes(op.op.kind) && leftHeld) {
        add(this.sourceOf(f, op.op.lock, op), 'acquire');
      }
    }
    for (const site of f.calls) {
      for (const target of site.targets) {
        const wrapper = this.wrapper(target);
        for (const lock of wrapper?.releasedOnExit ?? []) {
          const l = substitute(lock, site.lockArgs);
          if (l) add(this.sourceOf(f, l, site), 'release');
        }
        const targetFacts = this.facts(target);
        for (const lock of wrapper?.heldOnExit ?? []) {
          const l = substitute(lock, site.lockArgs);
          // a callee that handed the releaser to someone else does not leave the lock to its caller
          if (l && !(targetFacts && l.paramIndex === undefined && this.releaserEscapes(targetFacts, l.id))) add(this.sourceOf(f, l, site), 'acquire');
        }
      }
      // `() => done()`: calling an enclosing function's parameter does what that parameter does
      if (site.calleeParam && site.calleeParam.function !== info.key) {
        const source = { param: site.calleeParam };
        bySource.set(sourceKey(source), { source, as: 'callback', member, node: at });
      }
    }
    return [...bySource.values()].filter((t) => t.uses === undefined || t.uses.length > 0 || 'param' in t.source);
  }

  /**
   * Whether `f` hands the releaser (or handle) of a lock it took to another function or into a
   * structure: then the lock still held when `f` returns is that receiver's to release, not a
   * lock `f` leaves to its caller.
   */
  releaserEscapes(f: FunctionFacts, lockId: string): boolean {
    const handed = f.calls.some((site) => site.lockArgs.some((a) => a.lock.id === lockId && a.what !== 'lock' && a.lock.paramIndex === undefined));
    return handed || f.stores.some((store) => store.values.some((v) => v.lock.id === lockId && v.what !== 'lock'));
  }

  /**
   * A parameter whose declared type is a lock value of a modelled library (`MutexInterface`,
   * `MutexInterface.Releaser`) or that the walker bound as a lock: the signature itself admits
   * the lock, so the crossing is anchored there rather than on each argument feeding it.
   */
  isLockTypedParameter(key: string, index: number): boolean {
    const cacheKey = `${key}#${index}`;
    let answer = this.lockTyped.get(cacheKey);
    if (answer === undefined) {
      const info = this.info(key);
      const parameter = info && !ts.isSourceFile(info.node) ? info.node.parameters[index] : undefined;
      answer = !!parameter && !parameter.dotDotDotToken && (this.boundAsLock(key, index) || this.hasLockType(parameter));
      this.lockTyped.set(cacheKey, answer);
    }
    return answer;
  }

  private boundAsLock(key: string, index: number): boolean {
    const f = this.facts(key);
    if (!f) return false;
    const isParam = (lock: LockIdentity) => lock.paramIndex === index && lock.id.startsWith(`${f.info.name}(`);
    return f.lockOps.some((o) => isParam(o.op.lock)) || f.calls.some((c) => c.lockArgs.some((a) => isParam(a.lock)));
  }

  private hasLockType(parameter: ts.ParameterDeclaration): boolean {
    return this.analysis.memo('lock-typed-parameter', parameter, () => {
      try {
        return !!lockTypeOf(this.analysis.program, this.checker, this.checker.getTypeAtLocation(parameter), NO_PROGRAM_LOCKS);
      } catch {
        return false;
      }
    });
  }

  parameterName(ref: ParamRef): string {
    const node = this.info(ref.function)?.node;
    const parameter = node && !ts.isSourceFile(node) ? node.parameters[ref.index] : undefined;
    return parameter ? parameter.name.getText() : `#${ref.index}`;
  }

  /** The subsystem that declares the field or binding an expression writes into. */
  placeOwner(expression: ts.Expression): string | undefined {
    return this.analysis.memo('place-owner', expression, () => this.computePlaceOwner(expression));
  }

  private computePlaceOwner(expression: ts.Expression): string | undefined {
    const programFiles = (this.programFiles ??= new Set(this.analysis.sourceFiles));
    let e = stripExpression(expression);
    for (let depth = 0; depth < 8; depth++) {
      const name = ts.isPropertyAccessExpression(e) ? e.name : ts.isIdentifier(e) ? e : undefined;
      if (name) {
        const symbol = resolveAlias(this.checker, symbolAt(this.checker, name));
        const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
        if (declaration && programFiles.has(declaration.getSourceFile())) {
          const local = (ts.isVariableDeclaration(declaration) && !isModuleLevel(declaration)) || ts.isParameter(declaration);
          // a local or parameter holds something: what it points to decides only through its members
          if (!local || e === stripExpression(expression)) return this.analysis.subsystemOf(declaration.getSourceFile().fileName);
        }
      }
      if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = stripExpression(e.expression);
      else return undefined;
    }
    return undefined;
  }

  /**
   * The field a property name refers to, named after its declaration: `src/a.ts#Ticket.onSettled`.
   * A name rather than the checker's symbol, which is new with every program version, so that
   * stores found in one version still match invocations found in the next.
   */
  fieldOf(name: ts.MemberName): FieldRef | undefined {
    return this.analysis.memo('field-of', name, () => {
      const field = symbolAt(this.checker, name);
      if (!field) return undefined;
      const declaration = field.valueDeclaration ?? field.declarations?.[0];
      const parent = declaration?.parent;
      const holder = parent && (ts.isInterfaceDeclaration(parent) || ts.isClassLike(parent)) ? parent.name?.text : undefined;
      const where = declaration ? `${declaration.getSourceFile().fileName}#${holder ?? `@${declaration.pos}`}` : '?';
      return { key: `${where}.${field.name}`, name: holder ? `${holder}.${field.name}` : field.name };
    });
  }
}

export interface FieldRef {
  /** Declaring file, holder and name: the same field in every program version. */
  key: string;
  /** `Ticket.onSettled`, for messages. */
  name: string;
}

function sourceKey(source: Template['source']): string {
  return 'origin' in source ? `o:${source.origin.lock.id}` : `p:${source.param.function}#${source.param.index}`;
}

function sameSource(a: Template['source'], b: Template['source']): boolean {
  return sourceKey(a) === sourceKey(b);
}
