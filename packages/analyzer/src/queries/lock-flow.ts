import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isModuleLevel, resolveAlias, stripExpression } from '../flow/lock-identity.js';
import { ENTRY_WRITES } from '../flow/shared-state.js';
import { isFunctionNode } from '../graph/functions.js';
import { lockTypeOf } from '../graph/call-classifier.js';
import { ROOT_SUBSYSTEM } from '../graph/subsystems.js';
import { isInside, substitute } from '../summaries/wrappers.js';
import type { CallSite, FunctionFacts, FunctionInfo, HeldLock, LockIdentity, LockValueKind, SharedAccess, TraceStep } from '../types.js';
import { symbolAt } from '../flow/symbols.js';

/**
 * Where lock values go: the releasers, handles, guards and locks themselves, and the callbacks
 * and objects that release or re-acquire a lock, followed from the function that made them
 * through arguments, parameters, return values and stores. Knowledge-pollution rules and the
 * audit read this one result; it is computed once per analysis.
 */

/** What using a carried value does to its lock. */
export type LockUse = 'release' | 'acquire';

/** The lock a value belongs to, who owns it, and where the value was made. */
export interface LockOrigin {
  lock: LockIdentity;
  /** Subsystem that owns the lock: where it is declared, else where it is taken. */
  owner: string;
  /** Function where the value was made (the acquisition), or where the lock was read. */
  function: string;
  /** The acquisition, or the call whose callback holds the lock; undefined for the lock object itself. */
  acquiredAt?: ts.Node;
  how: 'acquired' | 'held' | 'lock';
}

/** How a lock travels: the value itself, a function that acts on it, or a lock held on return. */
export type CarriedAs = LockValueKind | 'callback' | 'held';

/** One lock value (or lock-acting function) arriving somewhere, with the calls it crossed. */
export interface LockCarrier {
  origin: LockOrigin;
  as: CarriedAs;
  /** What calling it (or its `member`) does to the lock. */
  uses: LockUse[];
  /** Set when it arrives as a member of an object argument (`{ release }`, `ctx.reacquire`). */
  member?: string;
  /** Call sites from the function that made it to the function that receives it, in order. */
  path: CallSite[];
  /** The expression that carries it at the last hop. */
  node: ts.Node;
}

/** The other end of a hand-off: the callee of an argument, the caller of a return, the owner of a store. */
export interface LockPeer {
  subsystem: string;
  /** Function key, when the other end is a function. */
  function?: string;
  /** `storage.append`, `other.registry.current`. */
  name: string;
  site?: CallSite;
}

/** A lock value moving between two functions or into a structure: the raw material of `no-lock-passing`. */
export interface LockHandoff {
  kind: 'argument' | 'parameter' | 'return' | 'store';
  /** Where it is reported: the argument, the parameter's name, the return, the stored value. */
  node: ts.Node;
  /** Function that contains `node`: the sender, except for parameters (the receiver). */
  function: string;
  subsystem: string;
  origin: LockOrigin;
  /** Every way this lock travels through `node` (a releaser and a re-acquire callback, say). */
  carriers: LockCarrier[];
  peers: LockPeer[];
  site?: CallSite;
  /**
   * The same crossing is anchored on another hand-off: an argument feeding a lock-typed
   * parameter (the parameter is where the signature admits the lock). Knowledge, not a finding.
   */
  secondary?: boolean;
}

/** How a function came to act on a lock it did not take. */
export type ForeignThrough =
  | { kind: 'parameter'; function: string; param: string; member?: string; carrier: LockCarrier }
  | { kind: 'region'; at: ts.Node }
  | { kind: 'returned'; from: string }
  /** A release function stored into a field by one function and called through that field by another. */
  | { kind: 'field'; field: string; storedBy: string; stored: ts.Node }
  | { kind: 'foreign-lock' };

/** A release (or re-acquire) by a function of a lock it did not acquire. */
export interface ForeignLockUse {
  function: string;
  node: ts.Node;
  seq: number;
  use: LockUse;
  origin: LockOrigin;
  through: ForeignThrough;
}

export interface StaleState {
  state: string;
  read: ts.Node;
  write: ts.Node;
}

/** "Temporarily drop the mutex": a held lock released and taken again around other calls. */
export interface LockDrop {
  function: string;
  origin: LockOrigin;
  release: ts.Node;
  reacquire: ts.Node;
  /** Set when the function did not take the lock itself. */
  foreign?: ForeignThrough;
  /** Calls made while the lock is dropped. */
  calls: CallSite[];
  /** Shared state read before the drop and written after the re-acquire. */
  stale: StaleState[];
}

/** A caller holding a lock hands it to a callee that releases it (and maybe takes it back). */
export interface CalleeRelease {
  /** The call that crosses, in the function holding the lock. */
  site: CallSite;
  held: HeldLock;
  origin: LockOrigin;
  /** Where the callee releases it, and re-acquires it if it does. */
  release: ForeignLockUse;
  reacquire?: ForeignLockUse;
  /** Shared writes after the call that run without the lock (no re-acquire). */
  writesAfter: SharedAccess[];
  /** State read before the call and written after it (re-acquired: the value may be stale). */
  stale: StaleState[];
}

export interface LockFlow {
  /** What each parameter receives, by function key and parameter index. */
  params: ReadonlyMap<string, ReadonlyMap<number, LockCarrier[]>>;
  handoffs: LockHandoff[];
  foreignUses: ForeignLockUse[];
  drops: LockDrop[];
  calleeReleases: CalleeRelease[];
  /** The carriers a call's arguments pass, by argument index. */
  argumentsOf(site: CallSite): ReadonlyMap<number, LockCarrier[]>;
  /** `storage.append`: a function as messages name it, prefixed by its subsystem. */
  displayName(key: string): string;
}

interface ParamRef {
  function: string;
  index: number;
}

/** A carrier before parameters are resolved: either a known origin or "whatever this parameter receives". */
interface Template {
  source: { origin: LockOrigin } | { param: ParamRef };
  /** Unset for a parameter source: take the shape of what the parameter receives. */
  as?: CarriedAs;
  uses?: LockUse[];
  member?: string;
  node: ts.Node;
}

const cache = new WeakMap<Analysis, LockFlow>();
/** Library lock types only: a program's own lock classes are known to the walker, which binds such parameters as locks. */
const NO_PROGRAM_LOCKS = { classes: new Map(), functions: new Map() };
const MAX_ROUNDS = 16;

export function lockFlow(analysis: Analysis): LockFlow {
  let flow = cache.get(analysis);
  if (!flow) {
    flow = new FlowBuilder(analysis).build();
    cache.set(analysis, flow);
  }
  return flow;
}

/** The trace step for where a lock value was made. */
export function originStep(analysis: Analysis, origin: LockOrigin): TraceStep | undefined {
  if (origin.acquiredAt) {
    const how = origin.how === 'held' ? 'held while this callback runs' : 'acquired here';
    return { location: analysis.location(origin.acquiredAt), message: `${origin.lock.id} ${how}` };
  }
  const declared = analysis.locks.get(origin.lock.id)?.declaredAt;
  return declared ? { location: declared, message: `${origin.lock.id} declared here` } : undefined;
}

/** "acquired at src/app/x.ts:7:19": where the lock of a value was taken, for messages. */
export function originText(analysis: Analysis, origin: LockOrigin): string {
  const where = (node: ts.Node) => {
    const at = analysis.location(node);
    return `${analysis.relativePath(at.file)}:${at.line}:${at.column}`;
  };
  if (origin.acquiredAt) return `${origin.how === 'held' ? 'held by the callback of' : 'acquired at'} ${where(origin.acquiredAt)}`;
  const declared = analysis.locks.get(origin.lock.id)?.declaredAt;
  return declared ? `declared at ${analysis.relativePath(declared.file)}:${declared.line}:${declared.column}` : 'not acquired on this path';
}

class FlowBuilder {
  private readonly checker: ts.TypeChecker;
  private readonly programFiles: ReadonlySet<ts.SourceFile>;
  private readonly params = new Map<string, Map<number, LockCarrier[]>>();
  private readonly templates = new Map<CallSite, Map<number, Template[]>>();
  private readonly resolved = new Map<CallSite, Map<number, LockCarrier[]>>();
  private readonly lockTypedCache = new Map<string, boolean>();
  private fieldStores: Map<ts.Symbol, { origin: LockOrigin; storedBy: string; stored: ts.Node }[]> | undefined;

  constructor(private readonly analysis: Analysis) {
    this.checker = analysis.checker;
    this.programFiles = new Set(analysis.sourceFiles);
  }

  build(): LockFlow {
    for (const f of this.analysis.facts.values()) {
      for (const site of f.calls) {
        const byIndex = this.argumentTemplates(f, site);
        if (byIndex.size) this.templates.set(site, byIndex);
      }
    }
    this.propagate();
    const foreignUses = this.foreignUses();
    const drops = this.drops(foreignUses);
    return {
      params: this.params,
      handoffs: [...this.argumentHandoffs(), ...this.parameterHandoffs(), ...this.returnHandoffs(), ...this.storeHandoffs()],
      foreignUses,
      drops,
      calleeReleases: this.calleeReleases(foreignUses, drops),
      argumentsOf: (site) => this.argumentsOf(site),
      displayName: (key) => this.displayName(key),
    };
  }

  // ------------------------------------------------------------ origins

  private info(key: string): FunctionInfo | undefined {
    return this.analysis.functions.get(key);
  }

  private subsystemOfFunction(key: string): string {
    return this.info(key)?.subsystem ?? ROOT_SUBSYSTEM;
  }

  displayName(key: string): string {
    const info = this.info(key);
    return info ? `${info.subsystem}.${info.name}` : key;
  }

  private ownerOf(lock: LockIdentity, fallbackFunction: string): string {
    return this.analysis.locks.get(lock.id)?.subsystem ?? this.subsystemOfFunction(fallbackFunction);
  }

  /** The origin of a lock seen in `f`: the held entry at a program point, else the latest acquire before it. */
  private originIn(f: FunctionFacts, lock: LockIdentity, at?: { held?: readonly HeldLock[]; seq?: number }): LockOrigin {
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
  private sourceOf(f: FunctionFacts, lock: LockIdentity, at?: { held?: readonly HeldLock[]; seq?: number }): Template['source'] | undefined {
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
    const enclosing = this.analysis.facts.get(inline.enclosing);
    const site = enclosing?.calls.find((c) => c.node === inline.call);
    if (site?.external?.kind !== 'lock-op') return undefined;
    const lock = site.external.op.lock;
    return { lock, owner: this.ownerOf(lock, inline.enclosing), function: inline.enclosing, acquiredAt: site.node, how: 'held' };
  }

  /** The parameter an expression names: of this function or of one it is nested in. */
  private parameterRef(expr: ts.Expression): ParamRef | undefined {
    const e = stripExpression(expr);
    if (!ts.isIdentifier(e)) return undefined;
    const declaration = this.valueSymbol(e)?.valueDeclaration;
    if (!declaration || !ts.isParameter(declaration) || !isFunctionNode(declaration.parent)) return undefined;
    const owner = this.analysis.functionOf(declaration.parent);
    return owner ? { function: owner.key, index: declaration.parent.parameters.indexOf(declaration) } : undefined;
  }

  /** The variable an identifier reads, also in `{ release }` (where the checker answers with the property). */
  private valueSymbol(identifier: ts.Identifier): ts.Symbol | undefined {
    // Asked twice per identifier argument (as a parameter, then as a variable), by every pass, and again by each program version.
    return this.analysis.memo('value-symbol', identifier, () => {
      const parent = identifier.parent;
      const symbol = parent && ts.isShorthandPropertyAssignment(parent) && parent.name === identifier
        ? this.checker.getShorthandAssignmentValueSymbol(parent)
        : symbolAt(this.checker, identifier);
      return resolveAlias(this.checker, symbol);
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
        if ('origin' in source && source.origin.how === 'lock' && !this.analysis.locks.has(source.origin.lock.id) && found.length) continue;
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
    const declaration = this.valueSymbol(e)?.valueDeclaration;
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
      const op = declaring && this.analysis.facts.get(declaring.key)?.lockOps.find((o) => o.node === call && o.op.kind === 'acquire');
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
    const f = info && this.analysis.facts.get(info.key);
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
        const wrapper = this.analysis.wrappers.get(target);
        for (const lock of wrapper?.releasedOnExit ?? []) {
          const l = substitute(lock, site.lockArgs);
          if (l) add(this.sourceOf(f, l, site), 'release');
        }
        const targetFacts = this.analysis.facts.get(target);
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
  private releaserEscapes(f: FunctionFacts, lockId: string): boolean {
    const handed = f.calls.some((site) => site.lockArgs.some((a) => a.lock.id === lockId && a.what !== 'lock' && a.lock.paramIndex === undefined));
    return handed || f.stores.some((store) => store.values.some((v) => v.lock.id === lockId && v.what !== 'lock'));
  }

  /**
   * A parameter whose declared type is a lock value of a modelled library (`MutexInterface`,
   * `MutexInterface.Releaser`) or that the walker bound as a lock: the signature itself admits
   * the lock, so the crossing is anchored there rather than on each argument feeding it.
   */
  private isLockTypedParameter(key: string, index: number): boolean {
    const cacheKey = `${key}#${index}`;
    let answer = this.lockTypedCache.get(cacheKey);
    if (answer === undefined) {
      const info = this.info(key);
      const parameter = info && !ts.isSourceFile(info.node) ? info.node.parameters[index] : undefined;
      answer = !!parameter && !parameter.dotDotDotToken && (this.boundAsLock(key, index) || this.hasLockType(parameter));
      this.lockTypedCache.set(cacheKey, answer);
    }
    return answer;
  }

  private boundAsLock(key: string, index: number): boolean {
    const f = this.analysis.facts.get(key);
    if (!f) return false;
    const isParam = (lock: LockIdentity) => lock.paramIndex === index && lock.id.startsWith(`${f.info.name}(`);
    return f.lockOps.some((o) => isParam(o.op.lock)) || f.calls.some((c) => c.lockArgs.some((a) => isParam(a.lock)));
  }

  private hasLockType(parameter: ts.ParameterDeclaration): boolean {
    try {
      return !!lockTypeOf(this.analysis.program, this.checker, this.checker.getTypeAtLocation(parameter), NO_PROGRAM_LOCKS);
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------ propagation

  private resolve(template: Template, site: CallSite): LockCarrier[] {
    if ('origin' in template.source) {
      return [{ origin: template.source.origin, as: template.as ?? 'lock', uses: template.uses ?? [], member: template.member, path: [site], node: template.node }];
    }
    const received = this.params.get(template.source.param.function)?.get(template.source.param.index) ?? [];
    const result: LockCarrier[] = [];
    for (const carrier of received) {
      if (carrier.path.includes(site)) continue;
      // a closure that calls the parameter acts only through the parameter itself, not its members
      if (template.as === 'callback' && carrier.member !== undefined) continue;
      result.push({
        origin: carrier.origin,
        as: template.as ?? carrier.as,
        uses: template.uses ?? carrier.uses,
        member: template.member ?? carrier.member,
        path: [...carrier.path, site],
        node: template.node,
      });
    }
    return result;
  }

  /** Parameters receive what their callers pass, transitively through forwarding helpers. */
  private propagate(): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let changed = false;
      for (const [site, byIndex] of this.templates) {
        const targets = site.targets.filter((t) => this.analysis.facts.has(t));
        if (targets.length === 0) continue;
        for (const [index, templates] of byIndex) {
          const carriers = templates.flatMap((t) => this.resolve(t, site));
          for (const target of targets) {
            let perFunction = this.params.get(target);
            if (!perFunction) this.params.set(target, (perFunction = new Map()));
            const list = perFunction.get(index) ?? [];
            for (const carrier of carriers) {
              if (list.some((c) => carrierKey(c) === carrierKey(carrier))) continue;
              list.push(carrier);
              changed = true;
            }
            perFunction.set(index, list);
          }
        }
      }
      if (!changed) break;
    }
  }

  private argumentsOf(site: CallSite): Map<number, LockCarrier[]> {
    let byIndex = this.resolved.get(site);
    if (!byIndex) {
      byIndex = new Map();
      for (const [index, templates] of this.templates.get(site) ?? []) {
        const carriers = dedupeCarriers(templates.flatMap((t) => this.resolve(t, site)));
        if (carriers.length) byIndex.set(index, carriers);
      }
      this.resolved.set(site, byIndex);
    }
    return byIndex;
  }

  // ------------------------------------------------------------ hand-offs

  private *argumentHandoffs(): Generator<LockHandoff> {
    for (const f of this.analysis.facts.values()) {
      for (const site of f.calls) {
        const targets = site.targets.filter((t) => this.analysis.facts.has(t) && t !== f.info.key);
        if (targets.length === 0) continue;
        const peers = targets.map((t) => ({ subsystem: this.subsystemOfFunction(t), function: t, name: this.displayName(t), site }));
        for (const [index, carriers] of this.argumentsOf(site)) {
          const secondary = targets.every((t) => this.isLockTypedParameter(t, index));
          for (const group of byLock(carriers)) {
            yield { kind: 'argument', node: site.node.arguments![index]!, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers, site, secondary };
          }
        }
      }
    }
  }

  private *parameterHandoffs(): Generator<LockHandoff> {
    for (const [key, byIndex] of this.params) {
      const info = this.info(key);
      if (!info || ts.isSourceFile(info.node)) continue;
      for (const [index, carriers] of byIndex) {
        const parameter = info.node.parameters[index];
        if (!parameter) continue;
        for (const group of byLock(carriers)) {
          const peers = dedupePeers(
            group.map((c) => {
              const site = c.path[c.path.length - 1]!;
              return { subsystem: this.subsystemOfFunction(site.caller), function: site.caller, name: this.displayName(site.caller), site };
            }),
          );
          const secondary = !this.isLockTypedParameter(key, index);
          yield { kind: 'parameter', node: parameter.name, function: key, subsystem: info.subsystem, origin: group[0]!.origin, carriers: group, peers, secondary };
        }
      }
    }
  }

  private *returnHandoffs(): Generator<LockHandoff> {
    for (const f of this.analysis.facts.values()) {
      if (ts.isSourceFile(f.info.node)) continue;
      const callers = (this.analysis.callers.get(f.info.key) ?? []).filter((s) => s.targets.includes(f.info.key));
      if (callers.length === 0) continue;
      const peers = dedupePeers(callers.map((s) => ({ subsystem: this.subsystemOfFunction(s.caller), function: s.caller, name: this.displayName(s.caller), site: s })));
      const returned = new Set<string>();
      for (const r of f.returns) {
        const exit = f.exits.find((e) => e.node === r.node);
        const source = this.sourceOf(f, r.lock, { held: exit?.held });
        if (!source) continue;
        const node = returnedExpression(r.node);
        const uses: LockUse[] = r.what === 'releaser' ? ['release'] : [];
        const carriers = 'origin' in source
          ? [{ origin: source.origin, as: r.what, uses, path: [], node }]
          : (this.params.get(source.param.function)?.get(source.param.index) ?? []).map((c) => ({ ...c, node }));
        for (const group of byLock(carriers)) {
          returned.add(group[0]!.origin.lock.id);
          yield { kind: 'return', node, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers };
        }
      }
      // an acquire wrapper hands its caller a held lock even when it returns nothing
      for (const lock of this.analysis.summaries.get(f.info.key)?.heldOnExit ?? []) {
        if (lock.paramIndex !== undefined || returned.has(lock.id) || this.releaserEscapes(f, lock.id)) continue;
        const exit = f.exits.find((e) => e.held.some((h) => h.lock.id === lock.id));
        const origin = this.originIn(f, lock, { held: exit?.held });
        const node = exit && ts.isReturnStatement(exit.node) ? exit.node : nameNode(f.info);
        yield { kind: 'return', node, function: f.info.key, subsystem: f.info.subsystem, origin, carriers: [{ origin, as: 'held', uses: ['release'], path: [], node }], peers };
      }
    }
  }

  private *storeHandoffs(): Generator<LockHandoff> {
    for (const f of this.analysis.facts.values()) {
      for (const store of f.stores) {
        const owner = this.placeOwner(store.target);
        if (!owner) continue;
        const carriers: LockCarrier[] = [];
        for (const value of store.values) {
          const source = this.sourceOf(f, value.lock);
          if (!source) continue;
          if ('origin' in source) carriers.push({ origin: source.origin, as: value.what, uses: value.what === 'releaser' ? ['release'] : [], path: [], node: storedValue(store.node) });
          else for (const c of this.params.get(source.param.function)?.get(source.param.index) ?? []) carriers.push({ ...c, node: storedValue(store.node) });
        }
        const peer = { subsystem: owner, name: `${owner}.${store.target.getText()}` };
        for (const group of byLock(dedupeCarriers(carriers))) {
          yield { kind: 'store', node: storedValue(store.node), function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers: [peer] };
        }
      }
      // `other.queue.push(release)`: a library method that keeps its argument in the receiver
      for (const site of f.calls) {
        const callee = stripExpression(site.node.expression);
        if (site.targets.length || !ts.isPropertyAccessExpression(callee) || !ENTRY_WRITES.has(callee.name.text)) continue;
        const owner = this.placeOwner(callee.expression);
        if (!owner) continue;
        const peer = { subsystem: owner, name: `${owner}.${callee.expression.getText()}` };
        for (const [index, carriers] of this.argumentsOf(site)) {
          for (const group of byLock(carriers)) {
            yield { kind: 'store', node: site.node.arguments![index]!, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers: [peer], site };
          }
        }
      }
    }
  }

  /** The subsystem that declares the field or binding an expression writes into. */
  private placeOwner(expression: ts.Expression): string | undefined {
    return this.analysis.memo('place-owner', expression, () => this.computePlaceOwner(expression));
  }

  private computePlaceOwner(expression: ts.Expression): string | undefined {
    let e = stripExpression(expression);
    for (let depth = 0; depth < 8; depth++) {
      const name = ts.isPropertyAccessExpression(e) ? e.name : ts.isIdentifier(e) ? e : undefined;
      if (name) {
        const symbol = resolveAlias(this.checker, symbolAt(this.checker, name));
        const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
        if (declaration && this.programFiles.has(declaration.getSourceFile())) {
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

  // ------------------------------------------------------------ foreign releases

  private foreignUses(): ForeignLockUse[] {
    const uses: ForeignLockUse[] = [];
    for (const f of this.analysis.facts.values()) {
      const seen = new Set<ts.Node>();
      for (const op of f.lockOps) {
        if (op.op.kind !== 'release') continue;
        for (const use of this.foreignRelease(f, op.op.lock, op.node, op.seq, op.held)) {
          seen.add(op.node);
          uses.push(use);
        }
      }
      for (const site of f.calls) {
        if (seen.has(site.node)) continue;
        uses.push(...this.parameterInvocations(f, site), ...this.fieldInvocations(f, site));
      }
    }
    return uses;
  }

  /** Release functions stored into fields, by the field's symbol: `ticket.onSettled = release`. */
  private fieldReleasers(): Map<ts.Symbol, { origin: LockOrigin; storedBy: string; stored: ts.Node }[]> {
    if (this.fieldStores) return this.fieldStores;
    const byField = new Map<ts.Symbol, { origin: LockOrigin; storedBy: string; stored: ts.Node }[]>();
    const receivers = this.releaserReceivers();
    for (const f of this.analysis.facts.values()) {
      for (const store of f.stores) {
        const target = stripExpression(store.target);
        if (!ts.isPropertyAccessExpression(target)) continue;
        const field = symbolAt(this.checker, target.name);
        if (!field) continue;
        for (const value of store.values.filter((v) => v.what === 'releaser')) {
          const source = this.sourceOf(f, value.lock);
          const origins = !source ? [] : 'origin' in source ? [source.origin] : (this.params.get(source.param.function)?.get(source.param.index) ?? []).filter((c) => c.uses.includes('release') && c.member === undefined).map((c) => c.origin);
          for (const origin of origins) byField.set(field, [...(byField.get(field) ?? []), { origin, storedBy: f.info.key, stored: storedValue(store.node) }]);
        }
      }
      // `this.pending = release` with `release: () => void`: the walker sees no lock value, the parameter's callers do
      if (!this.seesReleaserParameter(f.info, receivers)) continue;
      for (const { field, value } of this.parameterFieldStores(f.info)) {
        const ref = this.parameterRef(value);
        const received = ref ? (this.params.get(ref.function)?.get(ref.index) ?? []) : [];
        for (const c of dedupeByLock(received.filter((r) => r.uses.includes('release') && r.member === undefined))) {
          byField.set(field, [...(byField.get(field) ?? []), { origin: c.origin, storedBy: f.info.key, stored: value }]);
        }
      }
    }
    this.fieldStores = byField;
    return byField;
  }

  /** Functions a parameter of which receives a releaser itself (not as a member): what a stored parameter can carry. */
  private releaserReceivers(): Set<string> {
    const keys = new Set<string>();
    for (const [key, byIndex] of this.params) {
      for (const carriers of byIndex.values()) if (carriers.some((c) => c.uses.includes('release') && c.member === undefined)) keys.add(key);
    }
    return keys;
  }

  /**
   * Whether code in `info` can name a parameter of one of `receivers`: its own or an enclosing
   * function's. Elsewhere no stored parameter carries a releaser, so the body need not be searched.
   */
  private seesReleaserParameter(info: FunctionInfo, receivers: ReadonlySet<string>): boolean {
    if (receivers.size === 0) return false;
    for (let node: ts.Node | undefined = info.node; node; node = node.parent) {
      if (isFunctionNode(node) && receivers.has(this.analysis.functionOf(node)?.key ?? '')) return true;
    }
    return false;
  }

  /** `x.field = identifier` assignments written directly in a function (not in its nested functions). */
  private parameterFieldStores(info: FunctionInfo): { field: ts.Symbol; value: ts.Expression }[] {
    const found: { field: ts.Symbol; value: ts.Expression }[] = [];
    const visit = (node: ts.Node): void => {
      if (node !== info.node && isFunctionNode(node)) return;
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const target = stripExpression(node.left);
        const value = stripExpression(node.right);
        const field = ts.isPropertyAccessExpression(target) && ts.isIdentifier(value) ? symbolAt(this.checker, target.name) : undefined;
        if (field) found.push({ field, value });
      }
      ts.forEachChild(node, visit);
    };
    if (!ts.isSourceFile(info.node)) visit(info.node);
    return found;
  }

  /**
   * `ticket.onSettled?.()` in a subsystem that does not own the lock whose releaser another
   * function stored into that field: the release reached it through the structure.
   */
  private fieldInvocations(f: FunctionFacts, site: CallSite): ForeignLockUse[] {
    const callee = stripExpression(site.node.expression);
    if (site.targets.length || !ts.isPropertyAccessExpression(callee) || this.fieldReleasers().size === 0) return [];
    const field = symbolAt(this.checker, callee.name);
    const stored = field ? this.fieldReleasers().get(field) : undefined;
    if (!field || !stored) return [];
    const declaration = field.valueDeclaration ?? field.declarations?.[0];
    const holder = declaration?.parent && (ts.isInterfaceDeclaration(declaration.parent) || ts.isClassLike(declaration.parent)) ? declaration.parent.name?.text : undefined;
    const fieldName = holder ? `${holder}.${field.name}` : field.name;
    const seen = new Set<string>();
    return stored
      .filter((s) => s.origin.owner !== f.info.subsystem && s.storedBy !== f.info.key)
      .filter((s) => !seen.has(s.origin.lock.id) && !!seen.add(s.origin.lock.id))
      .map((s) => ({ function: f.info.key, node: site.node, seq: site.seq, use: 'release' as const, origin: s.origin, through: { kind: 'field' as const, field: fieldName, storedBy: s.storedBy, stored: s.stored } }));
  }

  /** A release operation in `f` of a lock `f` did not take. */
  private foreignRelease(f: FunctionFacts, lock: LockIdentity, node: ts.Node, seq: number, held: readonly HeldLock[]): ForeignLockUse[] {
    const entry = held.find((h) => h.lock.id === lock.id);
    if (lock.paramIndex !== undefined) {
      const source = this.sourceOf(f, lock);
      if (!source || 'origin' in source) return [];
      const carriers = dedupeByLock(this.params.get(source.param.function)?.get(source.param.index) ?? []);
      return carriers.map((carrier) => ({
        function: f.info.key,
        node,
        seq,
        use: 'release' as const,
        origin: carrier.origin,
        through: { kind: 'parameter' as const, function: source.param.function, param: this.parameterName(source.param), carrier },
      }));
    }
    if (entry && entry.via === 'callback') {
      return [{ function: f.info.key, node, seq, use: 'release', origin: this.originIn(f, lock, { held }), through: { kind: 'region', at: entry.acquiredAt } }];
    }
    if (entry && !isInside(entry.acquiredAt, f.info.node)) return []; // a closure of the code that took it
    const origin = this.originIn(f, lock, { held, seq });
    if (origin.owner === f.info.subsystem) return [];
    if (entry?.via === 'wrapper') {
      const wrapperCall = f.calls.find((c) => c.node === entry.acquiredAt);
      return [{ function: f.info.key, node, seq, use: 'release', origin, through: { kind: 'returned', from: wrapperCall?.targets[0] ?? wrapperCall?.calleeText ?? '?' } }];
    }
    return [{ function: f.info.key, node, seq, use: 'release', origin, through: { kind: 'foreign-lock' } }];
  }

  /** `release()`, `ctx.release()`, `ctx.reacquire()`: calling what a parameter received. */
  private parameterInvocations(f: FunctionFacts, site: CallSite): ForeignLockUse[] {
    const callee = stripExpression(site.node.expression);
    let ref: ParamRef | undefined = site.calleeParam;
    let member: string | undefined;
    if (!ref && ts.isPropertyAccessExpression(callee)) {
      ref = this.parameterRef(callee.expression);
      member = callee.name.text;
    }
    if (!ref) return [];
    const received = this.params.get(ref.function)?.get(ref.index) ?? [];
    const result: ForeignLockUse[] = [];
    for (const carrier of dedupeByLock(received.filter((c) => c.member === member || (member !== undefined && c.member === undefined && isHandleRelease(c, member))))) {
      const uses = member !== undefined && carrier.member === undefined ? ['release' as const] : carrier.uses;
      for (const use of uses) {
        result.push({
          function: f.info.key,
          node: site.node,
          seq: site.seq,
          use,
          origin: carrier.origin,
          through: { kind: 'parameter', function: ref.function, param: this.parameterName(ref), member, carrier },
        });
      }
    }
    return result;
  }

  private parameterName(ref: ParamRef): string {
    const node = this.info(ref.function)?.node;
    const parameter = node && !ts.isSourceFile(node) ? node.parameters[ref.index] : undefined;
    return parameter ? parameter.name.getText() : `#${ref.index}`;
  }

  // ------------------------------------------------------------ temporarily dropping a lock

  private drops(foreignUses: readonly ForeignLockUse[]): LockDrop[] {
    const drops: LockDrop[] = [];
    for (const f of this.analysis.facts.values()) {
      const events = this.lockEvents(f, foreignUses);
      for (const list of events.values()) {
        list.sort((a, b) => a.seq - b.seq);
        for (let i = 0; i + 1 < list.length; i++) {
          const release = list[i]!;
          const reacquire = list[i + 1]!;
          if (release.use !== 'release' || reacquire.use !== 'acquire' || !release.held) continue;
          const calls = f.calls.filter((c) => c.seq > release.seq && c.seq < reacquire.seq && c.external?.kind !== 'lock-op' && c.node !== reacquire.node);
          const yields = f.yields.filter((y) => y.seq > release.seq && y.seq < reacquire.seq);
          if (calls.length === 0 && yields.length === 0) continue;
          const stale = staleStates(f.reads.filter((r) => r.seq < release.seq), f.writes.filter((w) => w.seq > reacquire.seq));
          // Two regions one after the other are not a drop: the second must continue the first
          if (!release.foreign && stale.length === 0 && !this.sameReleaser(release, reacquire)) continue;
          drops.push({ function: f.info.key, origin: release.origin, release: release.node, reacquire: reacquire.node, foreign: release.foreign, calls, stale });
        }
      }
    }
    return drops;
  }

  /** `release(); …; release = await mu.acquire();`: the re-acquire hands its releaser to the variable just called. */
  private sameReleaser(release: LockEvent, reacquire: LockEvent): boolean {
    if (!release.through || !ts.isIdentifier(release.through)) return false;
    let node: ts.Node = reacquire.node;
    while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent))) node = node.parent;
    const assignment = node.parent;
    if (!assignment || !ts.isBinaryExpression(assignment) || assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(assignment.left)) return false;
    const called = symbolAt(this.checker, release.through);
    return !!called && called === symbolAt(this.checker, assignment.left);
  }

  /** Releases and acquisitions of each lock in `f`, its own and those made through parameters. */
  private lockEvents(f: FunctionFacts, foreignUses: readonly ForeignLockUse[]): Map<string, LockEvent[]> {
    const events = new Map<string, LockEvent[]>();
    const add = (event: LockEvent) => {
      const list = events.get(event.origin.lock.id) ?? [];
      if (!list.some((e) => e.node === event.node && e.use === event.use)) list.push(event);
      events.set(event.origin.lock.id, list);
    };
    const heldOnEntry = this.analysis.summaries.get(f.info.key)?.heldOnEntry;
    for (const use of foreignUses) {
      if (use.function !== f.info.key) continue;
      const held = use.through.kind === 'region' || (use.through.kind === 'parameter' && (use.through.carrier.path.some((s) => s.held.some((h) => h.lock.id === use.origin.lock.id)) || !!heldOnEntry?.has(use.origin.lock.id)));
      add({ node: use.node, seq: use.seq, use: use.use, origin: use.origin, held, foreign: use.through });
    }
    // `await this.unlock(); …; await this.lock();`: release and acquire wrappers drop and retake too
    for (const site of f.calls) {
      const wrapper = site.targets.length === 1 ? this.analysis.wrappers.get(site.targets[0]!) : undefined;
      if (!wrapper) continue;
      for (const [use, locks] of [['release', wrapper.releasedOnExit], ['acquire', wrapper.heldOnExit]] as const) {
        for (const lock of locks) {
          const l = substitute(lock, site.lockArgs);
          if (!l || l.paramIndex !== undefined) continue;
          add({ node: site.node, seq: site.seq, use, origin: this.originIn(f, l, site), held: site.held.some((h) => h.lock.id === l.id) });
        }
      }
    }
    for (const op of f.lockOps) {
      if (op.op.lock.paramIndex !== undefined) continue;
      const use: LockUse | undefined = op.op.kind === 'release' ? 'release' : ['acquire', 'try-acquire'].includes(op.op.kind) ? 'acquire' : undefined;
      if (!use) continue;
      add({ node: op.node, seq: op.seq, use, origin: this.originIn(f, op.op.lock, { held: op.held, seq: op.seq }), held: op.held.some((h) => h.lock.id === op.op.lock.id), through: op.through });
    }
    return events;
  }

  private calleeReleases(foreignUses: readonly ForeignLockUse[], drops: readonly LockDrop[]): CalleeRelease[] {
    const result: CalleeRelease[] = [];
    const seen = new Set<string>();
    for (const release of foreignUses) {
      if (release.use !== 'release' || release.through.kind !== 'parameter') continue;
      const lockId = release.origin.lock.id;
      const site = release.through.carrier.path.find((s) => s.held.some((h) => h.lock.id === lockId));
      const caller = site && this.analysis.facts.get(site.caller);
      if (!site || !caller) continue;
      const key = `${site.caller}|${site.seq}|${lockId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const drop = drops.find((d) => d.release === release.node && d.origin.lock.id === lockId);
      const reacquire = drop && foreignUses.find((u) => u.node === drop.reacquire && u.use === 'acquire');
      const nextOp = caller.lockOps.find((o) => o.op.lock.id === lockId && o.seq > site.seq)?.seq ?? Infinity;
      const writesAfter = drop ? [] : caller.writes.filter((w) => w.seq > site.seq && w.seq < nextOp);
      const stale = drop ? staleStates(caller.reads.filter((r) => r.seq < site.seq), caller.writes.filter((w) => w.seq > site.seq && w.seq < nextOp)) : [];
      result.push({ site, held: site.held.find((h) => h.lock.id === lockId)!, origin: release.origin, release, reacquire, writesAfter, stale });
    }
    return result;
  }
}

interface LockEvent {
  node: ts.Node;
  seq: number;
  use: LockUse;
  origin: LockOrigin;
  /** The lock was held just before a release (a region is being dropped). */
  held: boolean;
  foreign?: ForeignThrough;
  /** The releaser or handle a release went through. */
  through?: ts.Node;
}

function isHandleRelease(carrier: LockCarrier, member: string): boolean {
  return (carrier.as === 'handle' || carrier.as === 'lock' || carrier.as === 'guard') && /^(release|unlock)$/.test(member);
}

function staleStates(reads: readonly SharedAccess[], writes: readonly SharedAccess[]): StaleState[] {
  const result: StaleState[] = [];
  for (const write of writes) {
    const read = reads.find((r) => r.state === write.state);
    if (read && !result.some((s) => s.state === write.state)) result.push({ state: write.state, read: read.node, write: write.node });
  }
  return result;
}

/** `return release;` is reported on `release`, the value that crosses. */
function returnedExpression(node: ts.Node): ts.Node {
  return ts.isReturnStatement(node) && node.expression ? node.expression : node;
}

/** `ticket.onSettled = release` is reported on `release`, the value that crosses. */
function storedValue(node: ts.Node): ts.Node {
  return ts.isBinaryExpression(node) ? node.right : node;
}

function nameNode(info: FunctionInfo): ts.Node {
  const node = info.node;
  if (!ts.isSourceFile(node) && node.name) return node.name;
  return node;
}

function sourceKey(source: Template['source']): string {
  return 'origin' in source ? `o:${source.origin.lock.id}` : `p:${source.param.function}#${source.param.index}`;
}

function sameSource(a: Template['source'], b: Template['source']): boolean {
  return sourceKey(a) === sourceKey(b);
}

function carrierKey(c: LockCarrier): string {
  return `${c.origin.lock.id}|${c.origin.acquiredAt?.pos ?? ''}|${c.as}|${c.member ?? ''}|${c.uses.join(',')}`;
}

function dedupeCarriers(carriers: LockCarrier[]): LockCarrier[] {
  const seen = new Set<string>();
  return carriers.filter((c) => !seen.has(carrierKey(c)) && !!seen.add(carrierKey(c)));
}

function dedupeByLock(carriers: readonly LockCarrier[]): LockCarrier[] {
  const seen = new Set<string>();
  return carriers.filter((c) => {
    const key = `${c.origin.lock.id}|${c.member ?? ''}|${c.uses.join(',')}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

function byLock(carriers: readonly LockCarrier[]): LockCarrier[][] {
  const groups = new Map<string, LockCarrier[]>();
  for (const c of carriers) {
    const list = groups.get(c.origin.lock.id) ?? [];
    list.push(c);
    groups.set(c.origin.lock.id, list);
  }
  return [...groups.values()];
}

function dedupePeers(peers: LockPeer[]): LockPeer[] {
  const seen = new Set<string>();
  return peers
    .filter((p) => !seen.has(`${p.subsystem}|${p.name}`) && !!seen.add(`${p.subsystem}|${p.name}`))
    .sort((a, b) => a.subsystem.localeCompare(b.subsystem) || a.name.localeCompare(b.name));
}
