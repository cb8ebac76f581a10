import ts from 'typescript';
import type { AppliedLockModel, CallClass, CallClassifier, ProgramLockModels } from '../graph/call-classifier.js';
import { lockTypeOf } from '../graph/call-classifier.js';
import type { Dispatch } from '../graph/dispatch.js';
import type { FunctionIndex } from '../graph/functions.js';
import { isFunctionNode } from '../graph/functions.js';
import type {
  CallSite,
  ExternalCallKind,
  FunctionFacts,
  FunctionInfo,
  HeldLock,
  HeldRegion,
  LockIdentity,
  LockOpSite,
  LockOperation,
  LockValueKind,
  SharedAccess,
  WrapperSummary,
} from '../types.js';
import { literalText, lockDeclarationOfCall, makeIdentity, placeOf, resolveAlias, stripExpression, type IdentityContext } from './lock-identity.js';
import { containerStateOf, ENTRY_READS, ENTRY_WRITES, isConstructionWrite, sharedStateOf } from './shared-state.js';
import type { PropertyNames } from './property-names.js';
import { symbolAt } from './symbols.js';
import { shorthandValueSymbol, typeAtLocation, typeOfSymbol } from './checker-calls.js';

/** A value that carries a lock: the lock itself, its releaser, its handle or a guard object. */
export interface LockValue {
  lock: LockIdentity;
  what: LockValueKind;
}

interface FlowState {
  held: Map<string, HeldLock>;
  values: Map<ts.Symbol, LockValue>;
  /** Symbols holding the boolean result of a try-acquire. */
  tries: Map<ts.Symbol, { lock: LockIdentity; site: LockOpSite }>;
  reachable: boolean;
}

interface Value {
  lockValue?: LockValue;
  pendingAcquire?: { lock: LockIdentity; also?: LockIdentity[]; yields: 'releaser' | 'handle' | 'none' | 'tuple-releaser'; node: ts.Node; site: LockOpSite };
  tryResult?: { lock: LockIdentity; site: LockOpSite };
  call?: CallSite;
  /** Elements of an array/object literal that carry locks. */
  carried?: LockValue[];
}

export interface WalkContext {
  program: ts.Program;
  checker: ts.TypeChecker;
  rootDir: string;
  index: FunctionIndex;
  classifier: CallClassifier;
  dispatch: Pick<Dispatch, 'functionsOf' | 'targetsOf'>;
  programLocks: ProgramLockModels;
  reentrantIds: ReadonlySet<string>;
  /** Facts of every function walked, keyed by function key (claimed when its walk starts). */
  facts: Map<string, FunctionFacts>;
  /** Functions whose walk has finished: their facts are complete. */
  walked: Set<string>;
  /** What property names say without the checker: a read by a name no class field has and no code writes is no shared state, and so on. */
  propertyNames: PropertyNames;
  /** Lock models of declared types, per symbol: shared by every walk of the analysis. */
  lockTypes: Map<ts.Symbol, { model: ReturnType<typeof lockTypeOf>; declarations: ts.Node[] }>;
  /** False when the program declares no lock type at all (see lock-presence.ts): no value's type is asked. */
  lockTypesPossible: boolean;
  /** What a call to a user function does to locks, as far as the previous round knows (recorded as a dependency). */
  wrapper(key: string): WrapperSummary | undefined;
  /** Records that the walk resolved into a declaration of another file: an edit there invalidates this walk. */
  dependOn(node: ts.Node): void;
  /**
   * Takes the facts an earlier walk of the file recorded for a function an edit did not touch,
   * and for the functions inside it, instead of walking them again; false when there are none.
   */
  reuse?(info: FunctionInfo): boolean;
  onError: (fn: FunctionInfo, error: unknown) => void;
}

/** How a callback written inline at a call is invoked, as far as the call's own API tells. */
type LocalInvocation =
  | { mode: 'under-lock'; lock: LockIdentity; also?: LockIdentity[]; via: ts.Node }
  | { mode: 'immediate' }
  | { mode: 'deferred' }
  | { mode: 'unknown' };

const emptyValue: Value = {};
/** How most expressions are used: for their value, nothing more. Shared, so frozen: a `use` is only ever read. */
const NO_USE = Object.freeze({});
const CONTAINER_SIZES = new Set(['length', 'size']);

/**
 * Walks one function body in evaluation order, keeping the set of locks held and the values
 * that carry locks, and records every call, yield, lock operation and shared-state access
 * with the locks held there. Nested functions are walked when they are met, so that they
 * see the lock values they capture; their facts are stored separately.
 */
export class FunctionWalker {
  private readonly facts: FunctionFacts;
  private seq = 0;
  private recording = true;
  private readonly openRegions = new Map<string, HeldRegion>();
  private readonly loopExits: { breaks: FlowState[]; continues: FlowState[]; finallyDepth: number }[] = [];
  private readonly finallyStack: ts.Block[] = [];
  /** Per entry of `finallyStack`: the states a return, throw or jump carried into that finally. */
  private readonly finallyEntries: FlowState[][] = [];
  private readonly identity: IdentityContext;
  private current!: FlowState;
  /** Held locks as an array, shared by every event recorded until the set changes: most events see the same set. */
  private snapshotCache: HeldLock[] | undefined;

  private get state(): FlowState {
    return this.current;
  }

  private set state(next: FlowState) {
    this.current = next;
    this.snapshotCache = undefined;
  }

  constructor(
    private readonly ctx: WalkContext,
    private readonly info: FunctionInfo,
    inherited: { values: Map<ts.Symbol, LockValue>; held: HeldLock[] },
  ) {
    this.facts = { info, calls: [], yields: [], lockOps: [], regions: [], exits: [], reads: [], writes: [], stores: [], returns: [], throws: [], jumps: [] };
    this.state = {
      held: new Map(inherited.held.map((h) => [h.lock.id, h])),
      values: new Map(inherited.values),
      tries: new Map(),
      reachable: true,
    };
    this.identity = {
      checker: ctx.checker,
      rootDir: ctx.rootDir,
      functionLabel: info.label,
      functionNode: info.node,
      bindings: (symbol) => this.state.values.get(symbol),
    };
  }

  walk(): FunctionFacts {
    const node = this.info.node;
    // Claim the slot first: facts are kept in source order (a function before its callbacks).
    this.ctx.facts.set(this.info.key, this.facts);
    try {
      if (ts.isSourceFile(node)) {
        this.walkStatements(node.statements);
      } else {
        this.bindParameters(node);
        if (node.body && ts.isBlock(node.body)) {
          this.walkBlock(node.body);
        } else if (node.body) {
          const value = this.expression(node.body, { returned: true });
          this.noteReturn(node.body, value);
        }
      }
      if (this.state.reachable) this.facts.exits.push({ node: endNode(node), held: this.snapshot() });
    } catch (error) {
      this.ctx.onError(this.info, error);
    }
    this.facts.regions.push(...this.openRegions.values());
    this.ctx.facts.set(this.info.key, this.facts);
    this.ctx.walked.add(this.info.key);
    return this.facts;
  }

  // ---------------------------------------------------------------- state

  private snapshot(): HeldLock[] {
    this.snapshotCache ??= [...this.state.held.values()];
    return this.snapshotCache;
  }

  /** Every change to the held set goes through here, so the shared snapshot is never stale. */
  private heldChanged(): void {
    this.snapshotCache = undefined;
  }

  private clone(state: FlowState = this.state): FlowState {
    return { held: new Map(state.held), values: new Map(state.values), tries: new Map(state.tries), reachable: state.reachable };
  }

  /** Control-flow join: a lock is held after the join if held on some path, definitely if on all. */
  private join(states: FlowState[]): FlowState {
    const live = states.filter((s) => s.reachable);
    if (live.length === 0) return { held: new Map(), values: new Map(this.state.values), tries: new Map(), reachable: false };
    const result = this.clone(live[0]);
    for (const other of live.slice(1)) {
      for (const [id, held] of other.held) {
        const mine = result.held.get(id);
        if (!mine) result.held.set(id, { ...held, definite: false });
        else if (mine.definite && !held.definite) result.held.set(id, { ...mine, definite: false });
      }
      for (const [id, held] of result.held) {
        if (!other.held.has(id) && held.definite) result.held.set(id, { ...held, definite: false });
      }
      for (const [symbol, value] of other.values) if (!result.values.has(symbol)) result.values.set(symbol, value);
      for (const [symbol, value] of other.tries) if (!result.tries.has(symbol)) result.tries.set(symbol, value);
    }
    return result;
  }

  private sameHeld(a: FlowState, b: FlowState): boolean {
    if (a.held.size !== b.held.size || a.reachable !== b.reachable) return false;
    for (const [id, held] of a.held) {
      const other = b.held.get(id);
      if (!other || other.definite !== held.definite) return false;
    }
    return a.values.size === b.values.size;
  }

  private nextSeq(): number {
    return this.seq++;
  }

  private bindParameters(node: ts.FunctionLikeDeclaration): void {
    if (!this.ctx.lockTypesPossible) return;
    node.parameters.forEach((parameter, index) => {
      if (!ts.isIdentifier(parameter.name) || (parameter.type && holdsNoLock(parameter.type))) return;
      const symbol = symbolAt(this.ctx.checker, parameter.name);
      if (!symbol) return;
      const model = this.lockTypeOfNode(parameter);
      if (!model) return;
      const id = `${this.info.name}(${parameter.name.text})`;
      const lock: LockIdentity = { id, library: model.library, kind: model.kind, reentrant: model.reentrant, paramIndex: index };
      this.state.values.set(symbol, { lock, what: model.role === 'lock' ? 'lock' : model.role === 'handle' ? 'handle' : 'releaser' });
    });
  }

  /**
   * The lock model of a value's type. Asked for every identifier and property read, so it is
   * memoised per symbol (the declared type), and asks the checker for a node's own type only
   * where there is no symbol to go by.
   */
  private lockTypeOfNode(node: ts.Node, known?: ts.Symbol): ReturnType<typeof lockTypeOf> {
    const { checker } = this.ctx;
    if (!this.ctx.lockTypesPossible) return undefined;
    try {
      const nameNode = ts.isPropertyAccessExpression(node) ? node.name : ts.isIdentifier(node) || ts.isParameter(node) ? node : undefined;
      const symbol = known ?? (nameNode && (ts.isParameter(nameNode) ? symbolAt(checker, nameNode.name) : symbolAt(checker, nameNode)));
      if (!symbol) return lockTypeOf(this.ctx.program, checker, typeAtLocation(checker, node), this.ctx.programLocks);
      let memo = this.ctx.lockTypes.get(symbol);
      if (!memo && symbol.valueDeclaration && writtenTypeHoldsNoLock(symbol.valueDeclaration)) {
        memo = { model: undefined, declarations: [symbol.valueDeclaration] };
        this.ctx.lockTypes.set(symbol, memo);
      }
      if (!memo) {
        const type = symbol.flags & ts.SymbolFlags.Alias ? typeAtLocation(checker, node) : typeOfSymbol(checker, symbol);
        const declarations = [...(symbol.valueDeclaration ? [symbol.valueDeclaration] : []), ...(type.getSymbol()?.declarations ?? [])];
        memo = { model: lockTypeOf(this.ctx.program, checker, type, this.ctx.programLocks), declarations };
        this.ctx.lockTypes.set(symbol, memo);
      }
      // the answer depends on where the symbol and its type are declared, for every file that asks
      for (const declaration of memo.declarations) this.ctx.dependOn(declaration);
      return memo.model;
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- statements

  private walkBlock(block: ts.Block): void {
    this.walkStatements(block.statements);
    this.disposeUsings(block.statements);
  }

  private walkStatements(statements: ts.NodeArray<ts.Statement>): void {
    // Function declarations are hoisted: walk them first so their facts see the enclosing values.
    for (const statement of statements) {
      if (ts.isFunctionDeclaration(statement) && statement.body) this.nestedFunction(statement, { mode: 'unknown' });
    }
    for (const statement of statements) {
      if (!this.state.reachable) break;
      this.statement(statement);
    }
  }

  private statement(node: ts.Statement): void {
    switch (node.kind) {
      case ts.SyntaxKind.Block:
        return this.walkBlock(node as ts.Block);
      case ts.SyntaxKind.ExpressionStatement:
        this.expression((node as ts.ExpressionStatement).expression, { discarded: true });
        return;
      case ts.SyntaxKind.VariableStatement:
        return this.variableList((node as ts.VariableStatement).declarationList);
      case ts.SyntaxKind.ReturnStatement: {
        const ret = node as ts.ReturnStatement;
        const value = ret.expression ? this.expression(ret.expression, { returned: true }) : emptyValue;
        this.noteReturn(ret, value);
        this.exitThroughFinally(ret);
        this.state.reachable = false;
        return;
      }
      case ts.SyntaxKind.ThrowStatement:
        this.expression((node as ts.ThrowStatement).expression);
        if (this.recording) this.facts.throws.push({ node: node as ts.ThrowStatement, held: this.snapshot() });
        this.exitThroughFinally(node, true);
        this.state.reachable = false;
        return;
      case ts.SyntaxKind.IfStatement:
        return this.ifStatement(node as ts.IfStatement);
      case ts.SyntaxKind.TryStatement:
        return this.tryStatement(node as ts.TryStatement);
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
        return this.loop(node as ts.IterationStatement);
      case ts.SyntaxKind.BreakStatement:
      case ts.SyntaxKind.ContinueStatement: {
        const frame = this.loopExits[this.loopExits.length - 1];
        // A jump out of a `try` runs its `finally` first: what that releases is not held at the target.
        const atTarget = this.afterFinallyBlocks(frame?.finallyDepth ?? 0);
        if (frame && !(node as ts.BreakOrContinueStatement).label) {
          (node.kind === ts.SyntaxKind.BreakStatement ? frame.breaks : frame.continues).push(atTarget);
        }
        if (this.recording) this.facts.jumps.push({ node: node as ts.BreakOrContinueStatement, held: [...atTarget.held.values()] });
        this.state.reachable = false;
        return;
      }
      case ts.SyntaxKind.SwitchStatement:
        return this.switchStatement(node as ts.SwitchStatement);
      case ts.SyntaxKind.LabeledStatement:
        return this.statement((node as ts.LabeledStatement).statement);
      case ts.SyntaxKind.FunctionDeclaration:
        return; // hoisted, walked in walkStatements
      case ts.SyntaxKind.ClassDeclaration:
        return this.classLike(node as ts.ClassDeclaration);
      default:
        ts.forEachChild(node, (child) => {
          if (ts.isExpression(child)) this.expression(child);
          else if (ts.isStatement(child)) this.statement(child);
        });
    }
  }

  private variableList(list: ts.VariableDeclarationList): void {
    const isUsing = (list.flags & ts.NodeFlags.Using) !== 0;
    for (const declaration of list.declarations) {
      if (!declaration.initializer) continue;
      const value = this.expression(declaration.initializer);
      this.bindPattern(declaration.name, value);
      if (isUsing) this.usingAcquire(declaration, value);
    }
  }

  private bindPattern(name: ts.BindingName, value: Value): void {
    if (ts.isIdentifier(name)) {
      const symbol = symbolAt(this.ctx.checker, name);
      if (!symbol) return;
      if (value.lockValue) this.state.values.set(symbol, value.lockValue);
      else this.state.values.delete(symbol);
      if (value.tryResult) this.state.tries.set(symbol, value.tryResult);
      else if (value.pendingAcquire) {
        // A stored, unawaited acquire: the promise resolves to the lock value once awaited.
      }
      return;
    }
    if (ts.isArrayBindingPattern(name) && value.lockValue?.what === 'releaser') {
      // async-mutex Semaphore: `const [, release] = await sem.acquire()`
      const second = name.elements[1];
      if (second && ts.isBindingElement(second)) this.bindPattern(second.name, value);
      return;
    }
    if (ts.isObjectBindingPattern(name) && value.lockValue) {
      for (const element of name.elements) {
        const prop = (element.propertyName ?? element.name).getText();
        if (/^(release|unlock|releaser)$/.test(prop)) this.bindPattern(element.name, { lockValue: { lock: value.lockValue.lock, what: 'releaser' } });
      }
    }
  }

  private usingAcquire(declaration: ts.VariableDeclaration, value: Value): void {
    const lockValue = value.lockValue;
    if (!lockValue || lockValue.what === 'lock') return;
    const held = this.state.held.get(lockValue.lock.id);
    if (held) {
      this.state.held.set(lockValue.lock.id, { ...held, via: 'using' });
      this.heldChanged();
      const region = this.openRegions.get(lockValue.lock.id);
      if (region) region.kind = 'using';
    } else {
      this.hold(lockValue.lock, declaration, 'using');
    }
  }

  /** `using` handles declared directly in a block are disposed, releasing their locks, when it ends. */
  private disposeUsings(statements: ts.NodeArray<ts.Statement>): void {
    if (!this.state.reachable) return;
    for (const statement of statements) {
      if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Using)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        const symbol = symbolAt(this.ctx.checker, declaration.name);
        const value = symbol && this.state.values.get(symbol);
        if (value && this.state.held.get(value.lock.id)?.via === 'using') this.release(value.lock, endNode(statements[statements.length - 1]!.parent), undefined);
      }
    }
  }

  private ifStatement(node: ts.IfStatement): void {
    this.expression(node.expression);
    const whenTrue = this.clone();
    const whenFalse = this.clone();
    this.refine(node.expression, whenTrue, true);
    this.refine(node.expression, whenFalse, false);
    this.state = whenTrue;
    this.statement(node.thenStatement);
    const afterThen = this.state;
    this.state = whenFalse;
    if (node.elseStatement) this.statement(node.elseStatement);
    this.state = this.join([afterThen, this.state]);
  }

  /** A tested try-acquire holds the lock on the branch where it succeeded. */
  private refine(condition: ts.Expression, state: FlowState, truthy: boolean): void {
    let expr = stripExpression(condition);
    let polarity = truthy;
    while (ts.isPrefixUnaryExpression(expr) && expr.operator === ts.SyntaxKind.ExclamationToken) {
      polarity = !polarity;
      expr = stripExpression(expr.operand);
    }
    if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && polarity) {
      this.refine(expr.left, state, true);
      this.refine(expr.right, state, true);
      return;
    }
    let tried: { lock: LockIdentity; site: LockOpSite } | undefined;
    if (ts.isIdentifier(expr)) {
      const symbol = symbolAt(this.ctx.checker, expr);
      tried = symbol ? state.tries.get(symbol) : undefined;
    } else if (ts.isCallExpression(expr)) {
      tried = this.triedCalls.get(expr);
    }
    if (!tried) return;
    tried.site.checked = true;
    if (polarity && !state.held.has(tried.lock.id)) {
      state.held.set(tried.lock.id, { lock: tried.lock, acquiredAt: tried.site.node, via: 'acquire', definite: true });
      if (state === this.state) this.heldChanged();
      if (this.recording && !this.openRegions.has(tried.lock.id)) {
        this.openRegions.set(tried.lock.id, { lock: tried.lock, function: this.info.key, kind: 'acquire-release', start: tried.site.node, releases: [] });
      }
    }
  }

  private readonly triedCalls = new Map<ts.Node, { lock: LockIdentity; site: LockOpSite }>();

  private tryStatement(node: ts.TryStatement): void {
    const before = this.clone();
    if (node.finallyBlock) {
      this.finallyStack.push(node.finallyBlock);
      this.finallyEntries.push([]);
    }
    this.walkBlock(node.tryBlock);
    const afterTry = this.state;
    let afterCatch: FlowState | undefined;
    if (node.catchClause) {
      // The catch block can start anywhere in the try block: with what was held before or after it.
      this.state = this.join([before, afterTry]);
      this.state.reachable = true;
      this.walkBlock(node.catchClause.block);
      afterCatch = this.state;
    }
    let entries: FlowState[] = [];
    if (node.finallyBlock) {
      this.finallyStack.pop();
      entries = this.finallyEntries.pop()!.filter((e) => e.reachable);
    }
    this.state = this.join(afterCatch ? [afterTry, afterCatch] : [afterTry]);
    if (node.finallyBlock && entries.length === 0) {
      const reachable = this.state.reachable;
      this.state.reachable = true;
      this.walkBlock(node.finallyBlock);
      this.state.reachable = this.state.reachable && reachable;
    } else if (node.finallyBlock) {
      // Record the finally as entered from every way in (the try's end, and each return, throw or
      // jump out of it); continue after it from the try's normal end only.
      const normal = this.state;
      this.state = this.join([normal, ...entries]);
      this.state.reachable = true;
      this.walkBlock(node.finallyBlock);
      if (normal.reachable) {
        const wasRecording = this.recording;
        this.recording = false;
        this.state = this.clone(normal);
        this.walkBlock(node.finallyBlock);
        this.recording = wasRecording;
      } else {
        this.state.reachable = false;
      }
    }
  }

  /**
   * Runs the finally blocks above `depth` (innermost first) on the current state, as a return,
   * throw or jump does on its way out, noting the state each one is entered with. Each finally
   * sees only the blocks outside it: a return inside it must not run it again.
   */
  private runFinallyBlocks(depth: number): void {
    const leaving = this.finallyStack.splice(depth);
    const entries = this.finallyEntries.splice(depth);
    for (let i = leaving.length - 1; i >= 0; i--) {
      entries[i]!.push(this.clone());
      this.finallyStack.push(...leaving.slice(0, i));
      this.finallyEntries.push(...entries.slice(0, i));
      this.walkBlock(leaving[i]!);
      this.finallyStack.length = depth;
      this.finallyEntries.length = depth;
    }
    this.finallyStack.push(...leaving);
    this.finallyEntries.push(...entries);
  }

  /** A return or throw inside try blocks runs their finally blocks first: what they release is not held at the exit. */
  private exitThroughFinally(node: ts.Node, isThrow = false): void {
    if (this.finallyStack.length === 0) {
      if (!isThrow) this.facts.exits.push({ node, held: this.snapshot() });
      return;
    }
    const saved = this.state;
    const wasRecording = this.recording;
    this.state = this.clone();
    this.recording = false;
    this.runFinallyBlocks(0);
    this.recording = wasRecording;
    if (!isThrow && this.recording) this.facts.exits.push({ node, held: this.snapshot() });
    this.state = saved;
  }

  /** The state after the `finally` blocks above `depth` have run (innermost first), without recording. */
  private afterFinallyBlocks(depth: number): FlowState {
    if (this.finallyStack.length <= depth) return this.clone();
    const saved = this.state;
    const wasRecording = this.recording;
    this.state = this.clone();
    this.recording = false;
    this.runFinallyBlocks(depth);
    const result = this.state;
    this.recording = wasRecording;
    this.state = saved;
    return result;
  }

  private loop(node: ts.IterationStatement): void {
    if (ts.isForStatement(node) && node.initializer) {
      if (ts.isVariableDeclarationList(node.initializer)) this.variableList(node.initializer);
      else this.expression(node.initializer);
    }
    if (ts.isForOfStatement(node) || ts.isForInStatement(node)) this.expression(node.expression);
    const entry = this.clone();
    // Find the state at the loop head by iterating without recording, then walk once for real.
    let head = entry;
    const wasRecording = this.recording;
    for (let round = 0; round < 4; round++) {
      this.recording = false;
      this.state = this.clone(head);
      this.loopBody(node);
      const next = this.join([head, this.state]);
      if (this.sameHeld(next, head)) break;
      head = next;
    }
    this.recording = wasRecording;
    this.state = this.clone(head);
    const frame = this.loopBody(node);
    const exits = [head, ...frame.breaks];
    if (ts.isDoStatement(node)) exits.push(this.state);
    this.state = this.join(exits);
    this.state.reachable = exits.some((s) => s.reachable) || !ts.isWhileStatement(node);
  }

  private loopBody(node: ts.IterationStatement): { breaks: FlowState[]; continues: FlowState[] } {
    const frame = { breaks: [] as FlowState[], continues: [] as FlowState[], finallyDepth: this.finallyStack.length };
    this.loopExits.push(frame);
    if (ts.isWhileStatement(node)) this.expression(node.expression);
    if (ts.isForStatement(node) && node.condition) this.expression(node.condition);
    if (ts.isForOfStatement(node)) {
      if (node.awaitModifier) this.yieldPoint(node, undefined);
      if (ts.isVariableDeclarationList(node.initializer)) {
        for (const d of node.initializer.declarations) this.bindPattern(d.name, emptyValue);
      }
    }
    this.statement(node.statement);
    this.state = this.join([this.state, ...frame.continues]);
    if (ts.isForStatement(node) && node.incrementor) this.expression(node.incrementor);
    if (ts.isDoStatement(node)) this.expression(node.expression);
    this.loopExits.pop();
    return frame;
  }

  private switchStatement(node: ts.SwitchStatement): void {
    this.expression(node.expression);
    const entry = this.clone();
    const frame = { breaks: [] as FlowState[], continues: [] as FlowState[], finallyDepth: this.finallyStack.length };
    this.loopExits.push(frame);
    const ends: FlowState[] = [];
    let fallthrough: FlowState | undefined;
    let hasDefault = false;
    for (const clause of node.caseBlock.clauses) {
      if (ts.isDefaultClause(clause)) hasDefault = true;
      else this.expression(clause.expression);
      this.state = fallthrough?.reachable ? this.join([this.clone(entry), fallthrough]) : this.clone(entry);
      this.walkStatements(clause.statements);
      fallthrough = this.state;
    }
    this.loopExits.pop();
    // `continue` inside a switch belongs to an enclosing loop.
    this.loopExits[this.loopExits.length - 1]?.continues.push(...frame.continues);
    if (fallthrough) ends.push(fallthrough);
    if (!hasDefault) ends.push(entry);
    this.state = this.join([...ends, ...frame.breaks]);
  }

  private classLike(node: ts.ClassLikeDeclaration): void {
    for (const member of node.members) {
      if (isFunctionNode(member) && member.body) this.nestedFunction(member, { mode: 'unknown' });
      else if (ts.isPropertyDeclaration(member) && member.initializer) {
        const init = stripExpression(member.initializer);
        if (isFunctionNode(init)) this.nestedFunction(init, { mode: 'unknown' });
        else this.visitNestedFunctions(init);
      } else if (ts.isClassStaticBlockDeclaration(member)) {
        this.visitNestedFunctions(member.body);
      }
    }
  }

  /** Function expressions inside an expression not otherwise walked (field initialisers). */
  private visitNestedFunctions(node: ts.Node): void {
    const visit = (child: ts.Node): void => {
      if (isFunctionNode(child)) {
        if (child.body) this.nestedFunction(child, { mode: 'unknown' });
        return;
      }
      if (ts.isClassLike(child)) return this.classLike(child);
      ts.forEachChild(child, visit);
    };
    visit(node);
  }

  // ---------------------------------------------------------------- expressions

  private expression(
    node: ts.Expression,
    use: { discarded?: boolean; returned?: boolean; awaited?: boolean; voided?: boolean } = NO_USE,
  ): Value {
    if (!this.state.reachable) return emptyValue;
    switch (node.kind) {
      case ts.SyntaxKind.ParenthesizedExpression:
      case ts.SyntaxKind.AsExpression:
      case ts.SyntaxKind.NonNullExpression:
      case ts.SyntaxKind.SatisfiesExpression:
      case ts.SyntaxKind.TypeAssertionExpression:
        return this.expression((node as ts.ParenthesizedExpression).expression, use);
      case ts.SyntaxKind.AwaitExpression:
        return this.awaitExpression(node as ts.AwaitExpression, use);
      case ts.SyntaxKind.YieldExpression: {
        const y = node as ts.YieldExpression;
        const value = y.expression ? this.expression(y.expression, { returned: true }) : emptyValue;
        this.yieldPoint(y, value.call);
        return emptyValue;
      }
      case ts.SyntaxKind.CallExpression:
      case ts.SyntaxKind.NewExpression:
        return this.call(node as ts.CallExpression | ts.NewExpression, use);
      case ts.SyntaxKind.VoidExpression:
        this.expression((node as ts.VoidExpression).expression, { voided: true, discarded: true });
        return emptyValue;
      case ts.SyntaxKind.ArrowFunction:
      case ts.SyntaxKind.FunctionExpression:
        this.nestedFunction(node as ts.ArrowFunction, { mode: 'unknown' });
        return emptyValue;
      case ts.SyntaxKind.ClassExpression:
        this.classLike(node as ts.ClassExpression);
        return emptyValue;
      case ts.SyntaxKind.Identifier:
        return this.identifier(node as ts.Identifier);
      case ts.SyntaxKind.PropertyAccessExpression:
      case ts.SyntaxKind.ElementAccessExpression:
        return this.access(node as ts.PropertyAccessExpression | ts.ElementAccessExpression);
      case ts.SyntaxKind.BinaryExpression:
        return this.binary(node as ts.BinaryExpression, use);
      case ts.SyntaxKind.ConditionalExpression: {
        const c = node as ts.ConditionalExpression;
        this.expression(c.condition);
        const whenTrue = this.clone();
        this.refine(c.condition, whenTrue, true);
        const whenFalse = this.clone();
        this.refine(c.condition, whenFalse, false);
        this.state = whenTrue;
        const a = this.expression(c.whenTrue, use);
        const afterTrue = this.state;
        this.state = whenFalse;
        const b = this.expression(c.whenFalse, use);
        this.state = this.join([afterTrue, this.state]);
        return a.lockValue ? a : b;
      }
      case ts.SyntaxKind.PrefixUnaryExpression:
      case ts.SyntaxKind.PostfixUnaryExpression: {
        const u = node as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression;
        const isUpdate = u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken;
        this.expression(u.operand);
        if (isUpdate) this.noteWrite(u.operand);
        return emptyValue;
      }
      case ts.SyntaxKind.ObjectLiteralExpression:
        return this.objectLiteral(node as ts.ObjectLiteralExpression);
      case ts.SyntaxKind.ArrayLiteralExpression: {
        const carried: LockValue[] = [];
        for (const element of (node as ts.ArrayLiteralExpression).elements) {
          const value = this.expression(ts.isSpreadElement(element) ? element.expression : element);
          if (value.lockValue) carried.push(value.lockValue);
          if (value.carried) carried.push(...value.carried);
        }
        return carried.length ? { carried } : emptyValue;
      }
      case ts.SyntaxKind.SpreadElement:
        return this.expression((node as ts.SpreadElement).expression);
      case ts.SyntaxKind.DeleteExpression:
        this.expression((node as ts.DeleteExpression).expression);
        this.noteWrite((node as ts.DeleteExpression).expression);
        return emptyValue;
      case ts.SyntaxKind.TaggedTemplateExpression:
        this.expression((node as ts.TaggedTemplateExpression).tag);
        this.expression((node as ts.TaggedTemplateExpression).template);
        return emptyValue;
      default:
        ts.forEachChild(node, (child) => {
          if (ts.isExpression(child)) this.expression(child);
        });
        return emptyValue;
    }
  }

  private objectLiteral(node: ts.ObjectLiteralExpression): Value {
    const carried: LockValue[] = [];
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) {
        const init = stripExpression(property.initializer);
        if (isFunctionNode(init)) {
          this.nestedFunction(init, { mode: 'unknown' });
          continue;
        }
        const value = this.expression(property.initializer);
        if (value.lockValue) carried.push(value.lockValue);
        if (value.carried) carried.push(...value.carried);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        const value = this.identifier(property.name, shorthandValueSymbol(this.ctx.checker, property));
        if (value.lockValue) carried.push(value.lockValue);
      } else if (ts.isSpreadAssignment(property)) {
        const value = this.expression(property.expression);
        if (value.carried) carried.push(...value.carried);
      } else if (isFunctionNode(property) && property.body) {
        this.nestedFunction(property, { mode: 'unknown' });
      }
    }
    return carried.length ? { carried } : emptyValue;
  }

  private identifier(node: ts.Identifier, known?: ts.Symbol): Value {
    const symbol = known ?? symbolAt(this.ctx.checker, node);
    if (!symbol) return emptyValue;
    const bound = this.state.values.get(symbol) ?? this.state.values.get(resolveAlias(this.ctx.checker, symbol)!);
    const tried = this.state.tries.get(symbol);
    if (!isWriteTarget(node)) this.noteRead(node);
    if (bound) return { lockValue: bound, tryResult: tried };
    if (tried) return { tryResult: tried };
    // a shorthand property's name is the property, not the value it reads: type the value's symbol
    return this.lazyLockValue(node, known);
  }

  private access(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): Value {
    this.expression(node.expression);
    if (ts.isElementAccessExpression(node)) this.expression(node.argumentExpression);
    if (!isWriteTarget(node)) this.noteRead(node);
    if (ts.isPropertyAccessExpression(node) && CONTAINER_SIZES.has(node.name.text) && !isWriteTarget(node)) this.noteSizeRead(node);
    return this.lazyLockValue(node);
  }

  /**
   * Whether a read is a lock value needs its type, and most reads (operands, receivers, conditions)
   * never ask: the type is looked up only when a consumer reads `lockValue`.
   */
  private lazyLockValue(node: ts.Expression, symbol?: ts.Symbol): Value {
    return new LazyRead(this, node, symbol);
  }

  /** `this.items.length`, `this.cache.size`: how many entries a shared collection holds is a read of its entries. */
  private noteSizeRead(node: ts.PropertyAccessExpression): void {
    if (!this.recording) return;
    const state = containerStateOf(this.ctx.checker, this.ctx.rootDir, node.expression, 'read', this.info.node, this.ctx.propertyNames, this.ctx);
    if (!state || typeAtLocation(this.ctx.checker, node.expression).flags & ts.TypeFlags.StringLike) return;
    this.facts.reads.push({ state, node, seq: this.nextSeq(), held: this.snapshot() });
  }

  /**
   * A field or binding whose declared type is a lock model type is a lock value wherever it is read.
   * Not private: `LazyRead` calls it when its value is first read.
   */
  lockValueOfExpression(node: ts.Expression, symbol?: ts.Symbol): Value {
    const model = this.lockTypeOfNode(node, symbol);
    if (!model) return emptyValue;
    const place = placeOf(this.identity, node);
    const lock = makeIdentity(place, model.library, model.kind, this.isReentrant(place.id, model.reentrant, node));
    return { lockValue: { lock, what: model.role === 'lock' ? 'lock' : model.role === 'handle' ? 'handle' : 'releaser' } };
  }

  private binary(node: ts.BinaryExpression, use: { discarded?: boolean }): Value {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
      this.expression(node.left);
      const skipped = this.clone();
      const evaluated = this.clone();
      if (op === ts.SyntaxKind.AmpersandAmpersandToken) this.refine(node.left, evaluated, true);
      this.state = evaluated;
      const right = this.expression(node.right, use);
      this.state = this.join([skipped, this.state]);
      return right;
    }
    if (op === ts.SyntaxKind.CommaToken) {
      this.expression(node.left, { discarded: true });
      return this.expression(node.right, use);
    }
    const isAssignment = op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
    if (!isAssignment) {
      this.expression(node.left);
      this.expression(node.right);
      return emptyValue;
    }
    if (op !== ts.SyntaxKind.EqualsToken) this.expression(node.left);
    else if (ts.isPropertyAccessExpression(node.left) || ts.isElementAccessExpression(node.left)) {
      this.expression(node.left.expression);
      if (ts.isElementAccessExpression(node.left)) this.expression(node.left.argumentExpression);
    }
    const value = this.expression(node.right);
    this.noteWrite(node.left);
    const target = stripExpression(node.left);
    if (op === ts.SyntaxKind.EqualsToken && ts.isIdentifier(target)) {
      const symbol = symbolAt(this.ctx.checker, target);
      if (symbol) {
        if (value.lockValue) this.state.values.set(symbol, value.lockValue);
        else this.state.values.delete(symbol);
        if (value.tryResult) this.state.tries.set(symbol, value.tryResult);
      }
    }
    if (value.lockValue || value.carried) this.storeLockValue(node, node.left, value);
    return value;
  }

  /** A lock value written into a field or binding: recorded as a lock argument of a pseudo call, for no-lock-passing. */
  private storeLockValue(node: ts.Node, target: ts.Expression, value: Value): void {
    if (!this.recording) return;
    const values = [...(value.lockValue ? [value.lockValue] : []), ...(value.carried ?? [])];
    this.facts.stores.push({ node, target, values });
  }

  private awaitExpression(node: ts.AwaitExpression, use: { returned?: boolean }): Value {
    const value = this.expression(node.expression, { awaited: true, returned: use.returned });
    this.yieldPoint(node, value.call);
    if (value.pendingAcquire) {
      const { lock, also, yields, node: at, site } = value.pendingAcquire;
      site.awaited = true;
      for (const each of [lock, ...(also ?? [])]) this.hold(each, at, 'acquire');
      const what: LockValueKind | undefined = yields === 'releaser' || yields === 'tuple-releaser' ? 'releaser' : yields === 'handle' ? 'handle' : undefined;
      return what ? { lockValue: { lock, what } } : emptyValue;
    }
    if (value.call?.external?.kind === 'lock-op' && value.call.external.op.kind === 'try-acquire') return value;
    if (value.call?.external?.kind === 'lock-op' && value.call.external.op.kind === 'extend' && value.lockValue) return { lockValue: value.lockValue };
    // `await openTxn()`: an awaited wrapper already resolved to the releaser or handle it hands back
    // (the call first: a plain read's lock value would be typed for nothing, it has no call)
    if (value.call?.targets.length && value.lockValue) return { lockValue: value.lockValue };
    return emptyValue;
  }

  private yieldPoint(node: ts.AwaitExpression | ts.ForOfStatement | ts.YieldExpression, call: CallSite | undefined): void {
    if (!this.recording) return;
    this.facts.yields.push({ node, seq: this.nextSeq(), held: this.snapshot(), call });
  }

  // ---------------------------------------------------------------- calls

  private call(node: ts.CallExpression | ts.NewExpression, use: { discarded?: boolean; returned?: boolean; awaited?: boolean; voided?: boolean }): Value {
    const callee = stripExpression(node.expression);
    // An immediately invoked function expression is the caller's own code.
    if (isFunctionNode(callee) && ts.isCallExpression(node)) {
      for (const argument of node.arguments) this.expression(argument);
      const iife = this.nestedFunction(callee as ts.ArrowFunction, { mode: 'immediate' });
      return iife ? { call: this.recordCall(node, use, { targets: [iife.key] }) } : emptyValue;
    }
    let classification: CallClass;
    try {
      classification = this.ctx.classifier.classify(node);
      const declaration = this.ctx.classifier.resolvedDeclaration(node);
      if (declaration) this.ctx.dependOn(declaration);
    } catch {
      classification = { kind: 'unresolved' };
    }
    const lockModel = classification.kind === 'lock' ? classification.model : undefined;
    let receiverValue: Value = emptyValue;
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      receiverValue = this.expression(callee.expression);
      if (ts.isElementAccessExpression(callee)) this.expression(callee.argumentExpression);
    } else if (!isFunctionNode(callee)) {
      this.expression(callee);
    }
    // Lock identity is computed before arguments run: `mu.runExclusive(cb)` holds mu inside cb.
    const lockOp = lockModel ? this.lockOperation(node, callee, lockModel, receiverValue) : undefined;
    const releaserRelease = !lockOp ? this.releaserCall(callee, receiverValue) : undefined;
    const args = node.arguments ?? ts.factory.createNodeArray<ts.Expression>();
    const callbackArgs: CallSite['callbackArgs'] = [];
    const lockArgs: CallSite['lockArgs'] = [];
    const paramArgs: CallSite['paramArgs'] = [];
    const heldBefore = this.snapshot();
    this.noteEntryAccess(callee);
    args.forEach((argument, argIndex) => {
      const inner = stripExpression(ts.isSpreadElement(argument) ? argument.expression : argument);
      if (isFunctionNode(inner)) {
        const invocation = this.invocationOf(classification, lockOp, argIndex, args.length, node);
        const child = this.nestedFunction(inner, invocation);
        if (child) callbackArgs.push({ argIndex, fn: child.key, inline: true });
        return;
      }
      const forwarded = this.parameterRef(inner);
      if (forwarded) paramArgs.push({ argIndex, ...forwarded });
      const value = this.expression(argument);
      if (value.lockValue) lockArgs.push({ argIndex, lock: value.lockValue.lock, what: value.lockValue.what, node: argument });
      for (const carried of value.carried ?? []) lockArgs.push({ argIndex, lock: carried.lock, what: carried.what, node: argument });
      const referenced = this.functionReference(inner);
      if (referenced) callbackArgs.push({ argIndex, fn: referenced, inline: false });
    });
    if (lockOp) return this.applyLockOp(node, lockOp, use, heldBefore, callbackArgs, lockArgs, paramArgs);
    if (releaserRelease) {
      const site = this.recordLockOp(node, { kind: 'release', lock: releaserRelease.lock, api: 'releaser', yields: undefined }, use, heldBefore, callee);
      this.release(releaserRelease.lock, node, site);
      return { call: this.recordCall(node, use, { external: { kind: 'lock-op', op: site.op }, callbackArgs, lockArgs, held: heldBefore }) };
    }
    const external = externalKind(classification);
    const targets = classification.kind === 'user' ? this.targetsOf(classification.declarations, node) : [];
    const calleeParam = this.parameterRef(callee);
    const site = this.recordCall(node, use, { targets, external, callbackArgs, lockArgs, paramArgs, calleeParam, held: heldBefore });
    return this.applyWrapper(site, targets, node, use);
  }

  private invocationOf(
    classification: CallClass,
    lockOp: { op: LockOperation } | undefined,
    argIndex: number,
    argCount: number,
    node: ts.CallExpression | ts.NewExpression,
  ): LocalInvocation {
    if (lockOp && (lockOp.op.kind === 'run-callback' || lockOp.op.kind === 'acquire')) {
      const callbackArg = lockOp.op.callbackArg;
      const index = callbackArg === -1 ? argCount - 1 : callbackArg;
      if (index === argIndex) return { mode: 'under-lock', lock: lockOp.op.lock, also: lockOp.op.also, via: node };
      return { mode: 'deferred' };
    }
    if (classification.kind === 'callback-api') {
      const args = classification.model.args;
      if (!args || args.includes(argIndex)) return { mode: classification.model.timing };
    }
    if (classification.kind === 'lock') return { mode: 'deferred' };
    if (classification.kind === 'user') {
      // A lock wrapper (found in an earlier round) runs this callback under its locks.
      for (const declaration of classification.declarations) {
        for (const key of this.ctx.dispatch.functionsOf(declaration)) {
          const wrapper = this.ctx.wrapper(key);
          const locks = wrapper?.paramsUnderLock.get(argIndex);
          if (locks?.length) {
            const lock = this.substitute(locks[0]!, node);
            if (lock) return { mode: 'under-lock', lock, via: node };
          }
          if (wrapper?.paramsImmediate.has(argIndex)) return { mode: 'immediate' };
        }
      }
    }
    return { mode: 'unknown' };
  }

  /** A lock named by a callee's parameter is the lock the caller passes there. */
  private substitute(lock: LockIdentity, node: ts.CallExpression | ts.NewExpression): LockIdentity | undefined {
    if (lock.paramIndex === undefined) return lock;
    const argument = node.arguments?.[lock.paramIndex];
    if (!argument) return undefined;
    const value = this.expressionLockValue(argument) ?? this.lockValueOfExpression(argument).lockValue;
    if (value) return value.lock;
    return { ...lock, id: placeOf(this.identity, argument).id, paramIndex: undefined };
  }

  /** Applies what an acquire, release or returning wrapper does to the caller's held locks. */
  private applyWrapper(site: CallSite, targets: string[], node: ts.CallExpression | ts.NewExpression, use: { awaited?: boolean }): Value {
    const wrapper = targets.length === 1 ? this.ctx.wrapper(targets[0]!) : undefined;
    if (!wrapper) return { call: site };
    for (const released of wrapper.releasedOnExit) {
      const lock = this.substitute(released, node);
      if (lock && this.state.held.has(lock.id)) this.release(lock, node, undefined);
    }
    const returned = wrapper.returns && this.substitute(wrapper.returns.lock, node);
    const acquired = wrapper.heldOnExit.map((l) => this.substitute(l, node)).filter((l): l is LockIdentity => !!l);
    // Whether the call returns a promise takes the call's type (the checker resolves its signature,
    // arguments and callbacks included); only a wrapper that acquires or returns a lock needs it.
    const async = acquired.length > 0 || returned ? isPromiseReturning(this.ctx.checker, node) : false;
    if (!async || use.awaited) {
      for (const lock of acquired) this.hold(lock, node, 'wrapper');
    }
    if (returned && wrapper.returns) {
      if (async && !use.awaited) {
        const opSite: LockOpSite = { node, seq: site.seq, op: { kind: 'acquire', lock: returned, api: site.calleeText, yields: 'releaser' }, held: site.held, awaited: false, discarded: false };
        return { call: site, pendingAcquire: { lock: returned, yields: wrapper.returns.what === 'handle' ? 'handle' : 'releaser', node, site: opSite } };
      }
      // awaiting an acquire wrapper takes the lock, like awaiting the acquire it returns
      if (wrapper.returns.what !== 'lock' && !this.state.held.has(returned.id)) this.hold(returned, node, 'wrapper');
      return { call: site, lockValue: { lock: returned, what: wrapper.returns.what } };
    }
    return { call: site };
  }

  /** The parameter an expression names, if it is one of this function's or an enclosing function's. */
  private parameterRef(expr: ts.Expression): { function: string; index: number } | undefined {
    const e = stripExpression(expr);
    if (!ts.isIdentifier(e)) return undefined;
    const declaration = symbolAt(this.ctx.checker, e)?.valueDeclaration;
    if (!declaration || !ts.isParameter(declaration)) return undefined;
    const owner = this.ctx.index.byNode.get(declaration.parent);
    if (!owner || ts.isSourceFile(owner.node)) return undefined;
    return { function: owner.key, index: (owner.node as ts.FunctionLikeDeclaration).parameters.indexOf(declaration) };
  }

  /** `this.cache.set(k, v)`, `queue.shift()`: reads and writes of a shared collection's entries. */
  private noteEntryAccess(callee: ts.Expression): void {
    if (!this.recording || !ts.isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    const isWrite = ENTRY_WRITES.has(method);
    if (!isWrite && !ENTRY_READS.has(method)) return;
    const state = containerStateOf(this.ctx.checker, this.ctx.rootDir, callee.expression, isWrite ? 'write' : 'read', this.info.node, this.ctx.propertyNames, this.ctx);
    if (!state) return;
    const access: SharedAccess = { state, node: callee, seq: this.nextSeq(), held: this.snapshot() };
    (isWrite ? this.facts.writes : this.facts.reads).push(access);
  }

  private functionReference(expr: ts.Expression): string | undefined {
    let target = expr;
    // this.flush.bind(this)
    if (ts.isCallExpression(target) && ts.isPropertyAccessExpression(target.expression) && target.expression.name.text === 'bind') {
      target = target.expression.expression;
    }
    if (!ts.isIdentifier(target) && !ts.isPropertyAccessExpression(target)) return undefined;
    // a name none of the program's functions goes by needs no checker (see PropertyNames.functions)
    const functions = this.ctx.propertyNames.functions;
    if (ts.isPropertyAccessExpression(target) && functions && !functions.has(target.name.text)) return undefined;
    const nameNode = ts.isPropertyAccessExpression(target) ? target.name : target;
    const symbol = resolveAlias(this.ctx.checker, symbolAt(this.ctx.checker, nameNode));
    const declaration = symbol?.valueDeclaration;
    if (!declaration) return undefined;
    return this.ctx.dispatch.functionsOf(declaration)[0];
  }

  private targetsOf(declarations: ts.Declaration[], node: ts.CallExpression | ts.NewExpression): string[] {
    const keys = new Set<string>();
    for (const declaration of declarations) for (const key of this.ctx.dispatch.targetsOf(declaration, node)) keys.add(key);
    for (const key of keys) {
      const target = this.ctx.index.byKey.get(key);
      if (target) this.ctx.dependOn(target.sourceFile);
    }
    return [...keys];
  }

  private recordCall(
    node: ts.CallExpression | ts.NewExpression,
    use: { discarded?: boolean; returned?: boolean; awaited?: boolean; voided?: boolean },
    parts: Partial<Pick<CallSite, 'targets' | 'external' | 'callbackArgs' | 'lockArgs' | 'paramArgs' | 'calleeParam' | 'held'>>,
  ): CallSite {
    const site: CallSite = {
      node,
      seq: this.nextSeq(),
      calleeText: calleeText(node),
      caller: this.info.key,
      targets: parts.targets ?? [],
      external: parts.external,
      awaited: !!use.awaited,
      returned: !!use.returned,
      discarded: !!use.discarded,
      voided: !!use.voided,
      held: parts.held ?? this.snapshot(),
      callbackArgs: parts.callbackArgs ?? [],
      lockArgs: parts.lockArgs ?? [],
      paramArgs: parts.paramArgs ?? [],
      calleeParam: parts.calleeParam,
    };
    if (this.recording) this.facts.calls.push(site);
    return site;
  }

  // ---------------------------------------------------------------- locks

  private isReentrant(id: string, modelDefault: boolean, _at: ts.Node, reentrantOption?: string, declaration?: ts.Node): boolean {
    if (this.ctx.reentrantIds.has(id)) return true;
    if (reentrantOption && declaration && hasTrueOption(declaration, reentrantOption)) return true;
    return modelDefault;
  }

  private lockOperation(
    node: ts.CallExpression | ts.NewExpression,
    callee: ts.Expression,
    model: AppliedLockModel,
    receiverValue: Value,
  ): { op: LockOperation; model: AppliedLockModel } | undefined {
    const api = model.api;
    const args = node.arguments ?? ts.factory.createNodeArray<ts.Expression>();
    if (api.op === 'decorate') return undefined;
    // The lock: the receiver for methods, the callee for callable locks, a keyed place for module functions.
    let lock: LockIdentity | undefined;
    const keyArg = 'keyArg' in api ? api.keyArg : undefined;
    const keyExpr = keyArg !== undefined ? args[keyArg] : undefined;
    const keyList = keyExpr && ts.isArrayLiteralExpression(stripExpression(keyExpr)) ? (stripExpression(keyExpr) as ts.ArrayLiteralExpression).elements : undefined;
    // `acquire(['stock', 'orders'], fn)` takes one lock per key
    const keys = keyArg === undefined ? [] : keyList && keyList.length > 0 ? keyList.map((k) => literalText(k, this.ctx.checker)) : [literalText(keyExpr, this.ctx.checker)];
    const keyed = keyArg !== undefined ? { keyed: true as const, key: keys[0] } : undefined;
    if (model.role === 'handle' || (api.op === 'release' && api.handleArg !== undefined)) {
      const handleExpr = api.op === 'release' && api.handleArg !== undefined ? args[api.handleArg] : ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
      const handle = handleExpr ? this.expressionLockValue(handleExpr) : receiverValue.lockValue;
      lock = handle?.lock ?? (handleExpr ? makeIdentity(placeOf(this.identity, handleExpr), model.library, model.kind, model.reentrant) : undefined);
    } else if (model.role === 'function' && keyed) {
      lock = makeIdentity({ id: model.library }, model.library, model.kind, model.reentrant, keyed);
    } else {
      // a callable lock (`this.flushLock()`) is the callee itself; a method's lock is its receiver
      const callable = api.op === 'acquire-or-run';
      const receiver = !callable && (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) ? callee.expression : callee;
      let underlying = this.undecorated(receiver);
      // a decorated fresh lock (`const timed = withTimeout(new Mutex(), 100)`) is known by its binding
      if (ts.isNewExpression(underlying)) underlying = stripExpression(receiver);
      const place = receiverValue.lockValue && underlying === receiver ? { id: receiverValue.lockValue.lock.id, paramIndex: receiverValue.lockValue.lock.paramIndex } : placeOf(this.identity, underlying);
      const declaration = this.declarationOfPlace(underlying);
      const reentrant = this.isReentrant(place.id, model.reentrant, node, model.reentrantOption, declaration);
      lock = makeIdentity(place, model.library, model.kind, reentrant, keyed);
    }
    if (!lock) return undefined;
    const kind = api.op === 'acquire-or-run' ? (args.length > 0 ? 'run-callback' : 'acquire') : api.op;
    const op: LockOperation = { kind, lock, api: model.apiName };
    if (keys.length > 1 && lock.keyed) {
      const base = lock.id.slice(0, lock.id.lastIndexOf('['));
      op.also = keys.slice(1).map((key) => ({ ...lock!, id: `${base}[${key === undefined ? '*' : `'${key}'`}]`, key }));
    }
    if (api.op === 'acquire') op.yields = api.yields;
    if (api.op === 'acquire-or-run') op.yields = 'releaser';
    if (api.op === 'run-callback' || api.op === 'acquire-or-run') {
      op.callbackArg = api.callbackArg === 'last' ? -1 : api.callbackArg;
    }
    return { op, model };
  }

  /** `withTimeout(this.mutex, 100)` is `this.mutex` seen through a decorator. */
  private undecorated(expr: ts.Expression): ts.Expression {
    const e = stripExpression(expr);
    if (ts.isCallExpression(e)) {
      const classification = this.ctx.classifier.classify(e);
      if (classification.kind === 'lock' && classification.model.api.op === 'decorate') {
        const inner = e.arguments[classification.model.api.lockArg];
        if (inner) return this.undecorated(inner);
      }
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
      // const guarded = withTimeout(mutex, 100); private readonly timed = withTimeout(this.mutex, 500)
      const symbol = resolveAlias(this.ctx.checker, symbolAt(this.ctx.checker, ts.isPropertyAccessExpression(e) ? e.name : e));
      const declaration = symbol?.valueDeclaration;
      if (declaration && (ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration)) && declaration.initializer && ts.isCallExpression(stripExpression(declaration.initializer))) {
        const init = stripExpression(declaration.initializer) as ts.CallExpression;
        const classification = this.ctx.classifier.classify(init);
        if (classification.kind === 'lock' && classification.model.api.op === 'decorate') return this.undecorated(init);
      }
    }
    return e;
  }

  private declarationOfPlace(expr: ts.Expression): ts.Node | undefined {
    const e = stripExpression(expr);
    const nameNode = ts.isPropertyAccessExpression(e) ? e.name : ts.isIdentifier(e) ? e : undefined;
    if (!nameNode) return undefined;
    const symbol = resolveAlias(this.ctx.checker, symbolAt(this.ctx.checker, nameNode));
    return symbol?.valueDeclaration;
  }

  private expressionLockValue(expr: ts.Expression): LockValue | undefined {
    const e = stripExpression(expr);
    if (ts.isIdentifier(e)) {
      const symbol = symbolAt(this.ctx.checker, e);
      const bound = symbol && this.state.values.get(symbol);
      if (bound) return bound;
    }
    return undefined;
  }

  private releaserCall(callee: ts.Expression, receiverValue: Value): LockValue | undefined {
    if (ts.isIdentifier(callee)) {
      const symbol = symbolAt(this.ctx.checker, callee);
      const bound = symbol && this.state.values.get(symbol);
      if (bound && bound.what === 'releaser') return bound;
      return undefined;
    }
    // the name first: reading `lockValue` asks the receiver's type, which most calls never need
    if (ts.isPropertyAccessExpression(callee) && /^(release|unlock)$/.test(callee.name.text) && receiverValue.lockValue) {
      // a hand-made guard object or an untyped handle: `handle.release()`
      const what = receiverValue.lockValue.what;
      if (what === 'handle' || what === 'guard') return receiverValue.lockValue;
    }
    return undefined;
  }

  private applyLockOp(
    node: ts.CallExpression | ts.NewExpression,
    { op, model }: { op: LockOperation; model?: AppliedLockModel },
    use: { discarded?: boolean; returned?: boolean; awaited?: boolean; voided?: boolean },
    heldBefore: HeldLock[],
    callbackArgs: CallSite['callbackArgs'],
    lockArgs: CallSite['lockArgs'],
    paramArgs: CallSite['paramArgs'],
  ): Value {
    const site = this.recordLockOp(node, op, use, heldBefore, undefined);
    for (const other of op.also ?? []) this.recordLockOp(node, { ...op, lock: other, also: undefined }, use, heldBefore, undefined);
    const call = this.recordCall(node, use, { external: { kind: 'lock-op', op }, callbackArgs, lockArgs, paramArgs, held: heldBefore });
    switch (op.kind) {
      case 'acquire': {
        const yields = op.yields ?? 'none';
        // Synchronous acquires (proper-lockfile lockSync) hold at once.
        if (!isPromiseReturning(this.ctx.checker, node)) {
          for (const lock of [op.lock, ...(op.also ?? [])]) this.hold(lock, node, 'acquire');
          return { call, lockValue: yields === 'none' ? undefined : { lock: op.lock, what: yields === 'handle' ? 'handle' : 'releaser' } };
        }
        return { call, pendingAcquire: { lock: op.lock, also: op.also, yields, node, site } };
      }
      case 'try-acquire': {
        const tried = { lock: op.lock, site };
        this.triedCalls.set(node, tried);
        return { call, tryResult: tried };
      }
      case 'release':
        this.release(op.lock, node, site);
        return { call };
      case 'extend':
        // `lock = await lock.extend(ttl)` (redlock): the extended handle is the same lock's handle.
        return model?.role === 'handle' ? { call, lockValue: { lock: op.lock, what: 'handle' } } : { call };
      default:
        return { call };
    }
  }

  private recordLockOp(
    node: ts.Node,
    op: LockOperation,
    use: { discarded?: boolean; awaited?: boolean },
    held: HeldLock[],
    through: ts.Node | undefined,
  ): LockOpSite {
    const site: LockOpSite = { node, seq: this.nextSeq(), op, held, awaited: !!use.awaited, discarded: !!use.discarded, through };
    if (this.recording) {
      // resolved here, while the checker has the call in hand, so the inventory never asks it again
      const declaration = through ? undefined : this.lockDeclaration(node);
      if (declaration) {
        site.declaration = declaration;
        this.ctx.dependOn(declaration);
      }
      this.facts.lockOps.push(site);
    }
    return site;
  }

  private lockDeclaration(node: ts.Node): ts.Node | undefined {
    try {
      return lockDeclarationOfCall(this.ctx.checker, node);
    } catch {
      return undefined;
    }
  }

  private hold(lock: LockIdentity, at: ts.Node, via: HeldLock['via']): void {
    this.state.held.set(lock.id, { lock, acquiredAt: at, via, definite: true });
    this.heldChanged();
    if (this.recording) {
      const existing = this.openRegions.get(lock.id);
      if (existing) this.facts.regions.push(existing);
      this.openRegions.set(lock.id, { lock, function: this.info.key, kind: via === 'using' ? 'using' : 'acquire-release', start: at, releases: [] });
    }
  }

  private release(lock: LockIdentity, at: ts.Node, _site: LockOpSite | undefined): void {
    this.state.held.delete(lock.id);
    this.heldChanged();
    if (!this.recording) return;
    const region = this.openRegions.get(lock.id);
    if (region) region.releases.push(at);
  }

  private noteReturn(node: ts.Node, value: Value): void {
    if (!this.recording) return;
    const carried =
      value.lockValue ??
      (value.pendingAcquire ? { lock: value.pendingAcquire.lock, what: value.pendingAcquire.yields === 'none' ? ('lock' as const) : ('releaser' as const) } : undefined) ??
      // `return { [Symbol.dispose]: release }`: a guard object that carries the releaser
      (value.carried?.length === 1 ? { lock: value.carried[0]!.lock, what: 'guard' as const } : undefined);
    if (carried) this.facts.returns.push({ lock: carried.lock, what: carried.what, node });
  }

  // ---------------------------------------------------------------- nested functions

  private nestedFunction(node: ts.FunctionLikeDeclaration, invocation: LocalInvocation): FunctionInfo | undefined {
    const info = this.ctx.index.byNode.get(node);
    if (!info || !this.recording) return info;
    if (this.ctx.facts.has(info.key) || this.ctx.reuse?.(info)) return info;
    let held: HeldLock[] = [];
    if (invocation.mode === 'immediate') held = this.snapshot().map((h) => ({ ...h }));
    if (invocation.mode === 'under-lock') {
      held = [
        ...this.snapshot(),
        ...[invocation.lock, ...(invocation.also ?? [])].map((lock) => ({ lock, acquiredAt: invocation.via, via: 'callback' as const, definite: true })),
      ];
    }
    const child = new FunctionWalker(this.ctx, info, { values: this.state.values, held });
    const facts = child.walk();
    if (invocation.mode === 'under-lock') {
      for (const lock of [invocation.lock, ...(invocation.also ?? [])]) {
        facts.regions.push({ lock, function: info.key, kind: 'callback', start: invocation.via, releases: [] });
      }
    }
    return info;
  }

  // ---------------------------------------------------------------- shared state

  private noteRead(node: ts.Expression): void {
    if (!this.recording) return;
    const state = sharedStateOf(this.ctx.checker, this.ctx.rootDir, node, 'read', this.info.node, this.ctx.propertyNames, this.ctx);
    if (state) this.facts.reads.push({ state, node, seq: this.nextSeq(), held: this.snapshot() } satisfies SharedAccess);
  }

  private noteWrite(target: ts.Expression): void {
    if (!this.recording) return;
    const state = sharedStateOf(this.ctx.checker, this.ctx.rootDir, stripExpression(target), 'write', this.info.node, this.ctx.propertyNames, this.ctx);
    if (!state) return;
    const write: SharedAccess = { state, node: target, seq: this.nextSeq(), held: this.snapshot() };
    if (isConstructionWrite(target, this.info.node)) write.initialises = true;
    this.facts.writes.push(write);
  }
}

/**
 * The value of an identifier or property read, whose lock value is computed on first use, against
 * the walker's state at that moment (as a closure would). A class rather than an object literal
 * with a getter: a literal's getter is a new closure and accessor pair for every read.
 */
class LazyRead implements Value {
  private computed = false;
  private cached: LockValue | undefined;

  constructor(
    private readonly walker: FunctionWalker,
    private readonly node: ts.Expression,
    private readonly symbol: ts.Symbol | undefined,
  ) {}

  get lockValue(): LockValue | undefined {
    if (!this.computed) {
      this.computed = true;
      this.cached = this.walker.lockValueOfExpression(this.node, this.symbol).lockValue;
    }
    return this.cached;
  }
}

function isWriteTarget(node: ts.Node): boolean {
  const parent = node.parent;
  return (
    ts.isBinaryExpression(parent) &&
    parent.left === node &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
  );
}

function endNode(node: ts.Node): ts.Node {
  if (ts.isSourceFile(node)) return node.endOfFileToken;
  if (isFunctionNode(node) && node.body) {
    return ts.isBlock(node.body) ? (node.body.getLastToken() ?? node.body) : node.body;
  }
  return node.getLastToken() ?? node;
}

function calleeText(node: ts.CallExpression | ts.NewExpression): string {
  const text = node.expression.getText();
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function externalKind(classification: CallClass): ExternalCallKind | undefined {
  switch (classification.kind) {
    case 'blocking':
      return { kind: 'blocking', operation: classification.operation, ...(classification.returnsPromise ? { returnsPromise: true as const } : {}) };
    case 'external':
      return { kind: 'external', module: classification.module, name: classification.apiName, returnsPromise: classification.returnsPromise };
    case 'callback-api':
      return { kind: 'callback-api', name: classification.apiName, timing: classification.model.timing };
    case 'emit':
      return { kind: 'emit', name: classification.apiName };
    case 'promise-combinator':
      return { kind: 'promise-combinator', name: classification.apiName };
    case 'non-blocking':
      return { kind: 'non-blocking', name: classification.apiName };
    case 'unresolved':
      return { kind: 'unresolved' };
    default:
      return undefined;
  }
}

function isPromiseReturning(checker: ts.TypeChecker, node: ts.Expression): boolean {
  try {
    const type = typeAtLocation(checker, node);
    const types = type.isUnion() ? type.types : [type];
    return types.some((t) => ['Promise', 'PromiseLike'].includes(t.getSymbol()?.name ?? '') || !!t.getProperty('then'));
  } catch {
    return true;
  }
}

/** `new AsyncLock({ domainReentrant: true })` in the declaration's initializer. */
function hasTrueOption(declaration: ts.Node, option: string): boolean {
  const init =
    ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) ? declaration.initializer : undefined;
  if (!init) return false;
  const e = stripExpression(init);
  if (!ts.isNewExpression(e)) return false;
  return (e.arguments ?? []).some(
    (arg) =>
      ts.isObjectLiteralExpression(arg) &&
      arg.properties.some(
        (p) => ts.isPropertyAssignment(p) && p.name.getText() === option && p.initializer.kind === ts.SyntaxKind.TrueKeyword,
      ),
  );
}

/** Keyword types no lock model is declared as: no symbol, so `lockTypeOf` finds nothing in them. */
const NO_LOCK_KEYWORDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.StringKeyword,
  ts.SyntaxKind.NumberKeyword,
  ts.SyntaxKind.BooleanKeyword,
  ts.SyntaxKind.BigIntKeyword,
  ts.SyntaxKind.SymbolKeyword,
  ts.SyntaxKind.UndefinedKeyword,
  ts.SyntaxKind.VoidKeyword,
  ts.SyntaxKind.NeverKeyword,
  ts.SyntaxKind.AnyKeyword,
  ts.SyntaxKind.UnknownKeyword,
  ts.SyntaxKind.ObjectKeyword,
]);

/**
 * A written type that cannot be a lock model's (`id: string`, `ids: string[]`, `mode: 'a' | 'b'`):
 * the checker's type of a value so annotated has no symbol a lock library or lock class
 * declares, so asking for it (most of what binding a function's parameters costs) can be skipped.
 */
function holdsNoLock(type: ts.TypeNode): boolean {
  if (NO_LOCK_KEYWORDS.has(type.kind) || ts.isLiteralTypeNode(type)) return true;
  if (ts.isArrayTypeNode(type)) return holdsNoLock(type.elementType);
  if (ts.isUnionTypeNode(type)) return type.types.every(holdsNoLock);
  if (ts.isParenthesizedTypeNode(type)) return holdsNoLock(type.type);
  return false;
}

/** A parameter, variable or field whose written type `holdsNoLock`. */
function writtenTypeHoldsNoLock(declaration: ts.Declaration): boolean {
  const type = ts.isParameter(declaration) || ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertySignature(declaration) ? declaration.type : undefined;
  return type !== undefined && holdsNoLock(type);
}
