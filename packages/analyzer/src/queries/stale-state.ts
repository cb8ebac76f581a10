import ts from 'typescript';
import type { Analysis } from '../analysis.js';
import { isFunctionNode } from '../graph/functions.js';
import { stripExpression } from '../flow/lock-identity.js';
import type { CallSite, FunctionFacts, FunctionInfo, FunctionSummary, HeldLock, SharedAccess, YieldPoint } from '../types.js';
import type { ReadonlyStateSet } from '../summaries/state-set.js';
import { factsInScope, scopeKey, type FileScope } from './scope.js';
import { perFile } from './file-index.js';
import { symbolAt } from '../flow/symbols.js';
import { runsBeforeReturn } from '../summaries/call-edges.js';

/**
 * Which writes of shared state are decided or computed from a read of the same state made
 * before a yield, with no re-read after it. The flow walk is intraprocedural (a function body,
 * plus the callbacks it runs before its call returns: array methods, lock callbacks); reads
 * and writes of callees enter through their summaries at the call site.
 */

/** A point where other code may run: an `await`/`yield`/`for await`, or waiting for a lock before its callback runs. */
export interface Crossing {
  node: ts.Node;
  held: readonly HeldLock[];
  /** Set for a lock callback: the lock the call waits for before the callback runs. */
  waitsFor?: string;
  /**
   * Set for an `await` of a shared promise the function claimed just before (`this.p ??= load();
   * await this.p`): every call that passes the check before it waits for the same work.
   */
  dedupedOn?: string;
}

/** A read of shared state as the data flow carries it. */
export interface StateRead {
  state: string;
  /** The read expression, or the call whose callee reads the state. */
  node: ts.Node;
  via?: CallSite;
  held: readonly HeldLock[];
  /** The first yield crossed since the read; undefined while the value is fresh. */
  crossed?: Crossing;
  /** Acquisitions (`HeldLock.acquiredAt`) held at the read and at every yield crossed since. */
  through: readonly ts.Node[];
}

export interface StaleWrite {
  function: string;
  /** The write: an assignment target, an updated operand, or the call that writes (a collection method, a helper). */
  node: ts.Node;
  state: string;
  held: readonly HeldLock[];
  /** Set when the write happens inside this call's callee (from its summary). */
  via?: CallSite;
  read: StateRead;
  /** `value`: the stale value is written (lost update); `control`: it decided that the write happens (check-then-act). */
  flow: 'value' | 'control';
  /** Locks held at the read, at every yield in between and at the write, under the same acquisition. */
  heldThroughout: readonly HeldLock[];
}

/** A direct write of a shared place somewhere in the program, with what is held there. */
export interface StateWriter {
  function: FunctionInfo;
  access: SharedAccess;
  /** Locks that may be held by callers when the writing function runs. */
  heldOnEntry: readonly string[];
}

/** `Class#items[]` (the entries) and `Class#items` (the reference) are the same place for a writer. */
export function stateBase(state: string): string {
  return state.endsWith('[]') ? state.slice(0, -2) : state;
}

/** A stale read of `read` matters to a write of `write`: the same place, or entries read and the whole replaced. */
export function sameState(read: string, write: string): boolean {
  return read === write || read === `${write}[]`;
}

const cache = new WeakMap<Analysis, Map<string, StaleWrite[]>>();

/**
 * Writes of shared state that trust a read from before a yield. With a scope, only functions in
 * its files are walked: a walk reports writes in its own function, and looks up facts of its own
 * text only, so the indexes need only those files too.
 */
export function staleStateWrites(analysis: Analysis, scope?: FileScope): StaleWrite[] {
  let perScope = cache.get(analysis);
  if (!perScope) cache.set(analysis, (perScope = new Map()));
  const key = scopeKey(scope);
  let result = perScope.get(key);
  if (!result) {
    const inScope = [...factsInScope(analysis, scope)];
    const index = new FactIndex(analysis, inScope);
    const spans = new StateSpans(analysis, inScope);
    const found = new Map<string, StaleWrite>();
    const selfChecked = new SelfCheckedWrites(analysis);
    const parameterFlows = new ParameterFlows(analysis);
    for (const facts of inScope) {
      if (facts.yields.length === 0 || !facts.info.hasBody || !spans.readsWhatItWrites(facts.info)) continue;
      new StaleFlow(analysis, index, facts.info, { found, selfChecked, parameterFlows }).run();
    }
    result = [...found.values()];
    perScope.set(key, result);
  }
  return result;
}

const writersCache = new WeakMap<Analysis, Map<string, StateWriter[]>>();

/** Per file, its functions' direct writes by `stateBase`, in the facts' order. */
const writesByBase = perFile((facts) => {
  const byBase = new Map<string, { facts: FunctionFacts; access: SharedAccess }[]>();
  for (const f of facts) {
    const node = f.info.node;
    if (ts.isSourceFile(node) || ts.isConstructorDeclaration(node)) continue;
    for (const access of f.writes) push(byBase, stateBase(access.state), { facts: f, access });
  }
  return byBase;
});

const writersOfCache = new WeakMap<Analysis, Map<string, StateWriter[]>>();

/**
 * `stateWriters(analysis).get(base)`, for one place: a scoped check asks about the few places
 * its stale writes touch, and a look at each file's index costs far less than a pass over the
 * program's writes.
 */
export function stateWritersOf(analysis: Analysis, base: string): readonly StateWriter[] {
  let perBase = writersOfCache.get(analysis);
  if (!perBase) writersOfCache.set(analysis, (perBase = new Map()));
  let result = perBase.get(base);
  if (!result) {
    result = [];
    for (const file of analysis.sourceFiles) {
      for (const { facts, access } of writesByBase(analysis, file).get(base) ?? []) {
        const heldOnEntry = [...(analysis.summaries.get(facts.info.key)?.heldOnEntry.keys() ?? [])];
        result.push({ function: facts.info, access, heldOnEntry });
      }
    }
    perBase.set(base, result);
  }
  return result;
}

/** Every direct write of each shared place (by `stateBase`), outside constructors and module initialisation. */
export function stateWriters(analysis: Analysis): ReadonlyMap<string, StateWriter[]> {
  let result = writersCache.get(analysis);
  if (!result) {
    result = new Map();
    for (const facts of analysis.facts.values()) {
      const node = facts.info.node;
      if (ts.isSourceFile(node) || ts.isConstructorDeclaration(node)) continue;
      const heldOnEntry = [...(analysis.summaries.get(facts.info.key)?.heldOnEntry.keys() ?? [])];
      for (const access of facts.writes) {
        const base = stateBase(access.state);
        const list = result.get(base) ?? [];
        list.push({ function: facts.info, access, heldOnEntry });
        result.set(base, list);
      }
    }
    writersCache.set(analysis, result);
  }
  return result;
}

// ---------------------------------------------------------------- index of the walker's facts by node

class FactIndex {
  readonly reads = new Map<ts.Node, SharedAccess[]>();
  readonly writes = new Map<ts.Node, SharedAccess[]>();
  readonly calls = new Map<ts.Node, CallSite>();
  readonly yields = new Map<ts.Node, YieldPoint>();
  private readonly ids = new Map<ts.Node, number>();

  constructor(
    readonly analysis: Analysis,
    functions: Iterable<FunctionFacts>,
  ) {
    for (const facts of functions) {
      for (const access of facts.reads) push(this.reads, access.node, access);
      for (const access of facts.writes) push(this.writes, access.node, access);
      for (const site of facts.calls) this.calls.set(site.node, site);
      for (const y of facts.yields) this.yields.set(y.node, y);
    }
  }

  id(node: ts.Node): number {
    let id = this.ids.get(node);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(node, id);
    }
    return id;
  }
}

/** The shared state read and written at one point of the text: an access, or a call through its callees' summaries. */
interface StateSpan {
  pos: number;
  read?: string;
  written?: string;
  /** A call's callees: what they read and write, transitively. */
  callees?: readonly FunctionSummary[];
}

/**
 * Every read, write and call of the program by position in its file. The flow walk of a
 * function only reports a write of a state read within the same text (its own accesses, its
 * calls' callees, the callbacks it walks in place), so a function whose text reads nothing it
 * writes needs no walk: most functions, and finding that out is a range lookup.
 */
class StateSpans {
  private readonly byFile = new Map<ts.SourceFile, StateSpan[]>();

  constructor(analysis: Analysis, functions: Iterable<FunctionFacts>) {
    for (const facts of functions) {
      let spans = this.byFile.get(facts.info.sourceFile);
      if (!spans) this.byFile.set(facts.info.sourceFile, (spans = []));
      for (const access of facts.reads) spans.push({ pos: access.node.pos, read: access.state });
      for (const access of facts.writes) spans.push({ pos: access.node.pos, written: access.state });
      for (const site of facts.calls) {
        // The same bodies `StaleFlow.call` takes reads and writes from.
        const bodies = bodiesRunBy(analysis, site, false);
        const callees = bodies.map((key) => analysis.summaries.get(key)).filter((summary): summary is FunctionSummary => summary !== undefined && (summary.reads.size > 0 || summary.writes.size > 0));
        if (callees.length > 0) spans.push({ pos: site.node.pos, callees });
      }
    }
    for (const spans of this.byFile.values()) spans.sort((a, b) => a.pos - b.pos);
  }

  readsWhatItWrites(fn: FunctionInfo): boolean {
    const spans = this.byFile.get(fn.sourceFile) ?? [];
    const { pos, end } = fn.node;
    const reads = new Set<string>();
    // the callees' sets are asked, not spread: on real code a call reaches hundreds of states
    const readSets = new Set<ReadonlyStateSet>();
    const writes = new Set<string>();
    for (let i = firstAtOrAfter(spans, pos); i < spans.length && spans[i]!.pos < end; i++) {
      const span = spans[i]!;
      if (span.read !== undefined) reads.add(span.read);
      if (span.written !== undefined) writes.add(span.written);
      for (const summary of span.callees ?? []) {
        if (summary.reads.size > 0) readSets.add(summary.reads);
        for (const state of summary.writes.keys()) writes.add(state);
      }
    }
    const isRead = (state: string) => {
      if (reads.has(state)) return true;
      for (const set of readSets) if (set.has(state)) return true;
      return false;
    };
    for (const state of writes) if (isRead(state) || isRead(`${state}[]`)) return true;
    return false;
  }
}

function firstAtOrAfter(spans: readonly StateSpan[], pos: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.pos < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What a call runs before it returns, as the summaries count it: its callees, and the callbacks it
 * is given that they or the API run at once. A callback scheduled for later (a listener it only
 * registers, a promise's `catch` that clears a memo on failure) reads and writes in a task of its
 * own. Callbacks written in place are functions of their own too; the flow walk takes them with
 * the caller, so it asks for the others only.
 */
function bodiesRunBy(analysis: Analysis, site: CallSite, inline: boolean): string[] {
  const bodies = [...site.targets];
  for (const c of site.callbackArgs) if ((inline || !c.inline) && runsBeforeReturn(site, c.argIndex, analysis.wrappers)) bodies.push(c.fn);
  return bodies;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Whether every write of a state that running a function makes, its own and its callees', comes
 * after a read of the same state in the same function with no yield in between: a cache filled on
 * first use (`if (!pattern) pattern = compile()`), a put-if-absent. Such a write is decided afresh
 * where it is made, whatever its caller read before a yield of its own.
 */
class SelfCheckedWrites {
  private readonly memo = new Map<string, boolean>();

  constructor(private readonly analysis: Analysis) {}

  of(key: string, state: string): boolean {
    const id = `${key}\0${state}`;
    const known = this.memo.get(id);
    if (known !== undefined) return known;
    // a call back into a function being asked about: its other writes decide
    this.memo.set(id, true);
    const answer = this.compute(key, state);
    this.memo.set(id, answer);
    return answer;
  }

  private compute(key: string, state: string): boolean {
    const f = this.analysis.facts.get(key);
    if (!f) return false;
    const yields = f.yields.map((y) => y.seq);
    const noYieldBetween = (from: number, to: number) => !yields.some((seq) => seq > from && seq < to);
    const readsAt = f.reads.filter((r) => sameState(r.state, state)).map((r) => r.seq);
    // what a call runs before it returns (not a callback it schedules for later: see bodiesRunBy)
    const bodiesOf = (site: CallSite) => bodiesRunBy(this.analysis, site, true);
    // `sameState`: the state itself, or its entries
    const readsIt = (target: string) => {
      const reads = this.analysis.summaries.get(target)?.reads;
      return !!reads && (reads.has(state) || reads.has(`${state}[]`));
    };
    for (const site of f.calls) if (bodiesOf(site).some(readsIt)) readsAt.push(site.seq);
    for (const w of f.writes) {
      if (w.state !== state) continue;
      if (!readsAt.some((seq) => seq < w.seq && noYieldBetween(seq, w.seq))) return false;
    }
    for (const site of f.calls) {
      for (const target of bodiesOf(site)) if (this.analysis.summaries.get(target)?.writes.has(state) && !this.of(target, state)) return false;
    }
    return true;
  }
}

/** How a parameter reaches a write: written into it, or only deciding that it happens. */
type Reach = 'value' | 'control';

/** Per state a function writes, how each parameter reaching the write reaches it. */
type Flows = ReadonlyMap<string, ReadonlyMap<number, Reach>>;

/** How deep a question follows calls into other functions (a handler that forwards to the one that writes). */
const MAX_FORWARDS = 3;

/**
 * Which parameters of a function reach its writes of each state, and how: written into it, or
 * deciding that the write happens. A caller's stale value handed to a method that writes the state
 * from elsewhere (a snapshot of the state handed back to a handler that refreshes it) is not what
 * the method writes, and one that only decides whether the method writes is a stale check, not a
 * lost update.
 *
 * The function is walked once with each parameter as a source of its own. Every write its walk
 * meets (its own, those of the callbacks it runs in place, and its callees' through their
 * summaries) records the parameters in its value and in its conditions; an argument of a call
 * reaches the callee's writes as the callee's own parameter does, asked the same way up to
 * MAX_FORWARDS calls deep, and taken to be written past that, into a function already being walked
 * and into a callback the call runs. A state the function writes where its walk does not meet the
 * write is taken to be written from every parameter.
 *
 * Each question is answered from nothing (what it found for the functions it followed is kept for
 * that question only): the answer for a function does not depend on the questions asked before it,
 * so a file's check and the whole program's agree.
 */
class ParameterFlows {
  private readonly answers = new Map<string, Flows | undefined>();

  constructor(private readonly analysis: Analysis) {}

  /** How an argument at `argIndex` of a call of `key` reaches the callee's write of `state`; undefined: it does not. */
  reach(key: string, state: string, argIndex: number, spreadBefore: boolean): Reach | undefined {
    return this.reachWithin(key, state, argIndex, spreadBefore, [], new Map());
  }

  private reachWithin(key: string, state: string, argIndex: number, spreadBefore: boolean, stack: readonly string[], found: Map<string, Flows | undefined>): Reach | undefined {
    const info = this.analysis.functions.get(key);
    if (!info || ts.isSourceFile(info.node) || spreadBefore || stack.includes(key) || stack.length > MAX_FORWARDS) return 'value';
    const parameters = info.node.parameters;
    const last = parameters.length - 1;
    const index = last >= 0 && parameters[last]!.dotDotDotToken && argIndex >= last ? last : argIndex;
    if (index >= parameters.length) return undefined;
    // a question's own answer is kept for later questions; what it found on the way, for itself only
    const memo = stack.length === 0 ? this.answers : found;
    if (!memo.has(key)) memo.set(key, this.flowsOf(key, info, [...stack, key], found));
    const seen = memo.get(key)?.get(state);
    return seen ? seen.get(index) : 'value';
  }

  private flowsOf(key: string, info: FunctionInfo, stack: readonly string[], found: Map<string, Flows | undefined>): Flows | undefined {
    if (!info.hasBody) return undefined;
    const { pos, end } = info.node;
    // the function and the callbacks written in it, which its walk takes in place
    const own = [...factsInScope(this.analysis, new Set([info.sourceFile]))].filter((f) => f.info.node.pos >= pos && f.info.node.end <= end);
    const flows = new Map<string, Map<number, Reach>>();
    new StaleFlow(this.analysis, new FactIndex(this.analysis, own), info, {
      onWrite(state, written, deciding) {
        let reaches = flows.get(state);
        if (!reaches) flows.set(state, (reaches = new Map()));
        for (const index of deciding) if (!reaches.has(index)) reaches.set(index, 'control');
        for (const index of written) reaches.set(index, 'value');
      },
      reach: (callee, state, argIndex, spreadBefore) => this.reachWithin(callee, state, argIndex, spreadBefore, stack, found),
    }).run();
    return flows;
  }
}

// ---------------------------------------------------------------- the flow walk

/** A read in flight: `origin` names the read whatever yields it has crossed since. */
interface Fact {
  key: string;
  origin: string;
  read: StateRead;
}

type Taint = ReadonlySet<Fact>;
const EMPTY: Taint = new Set();

interface FlowState {
  /** Locals and what reads their values derive from. */
  vars: Map<ts.Symbol, Taint>;
  /** Conditions every path to here passed (early returns, breaks): they decide what follows. */
  ctrl: Taint;
  /** Conditions of the branches being walked. */
  frames: Taint[];
  /** Operands already evaluated in an expression still being evaluated (`x + await y`). */
  pending: Taint[];
  reachable: boolean;
}

interface LoopFrame {
  breaks: FlowState[];
  continues: FlowState[];
  /** Branch frames open where the loop body starts: a `break` inside an `if` leaves that `if`'s frame. */
  depth: number;
}

interface BodyFrame {
  returns: FlowState[];
  values: Taint[];
  depth: number;
}

/**
 * What a walk is for: the stale writes of a function, or (`onWrite`) which of its parameters reach
 * each write it makes (see ParameterFlows).
 */
type FlowMode =
  | { found: Map<string, StaleWrite>; selfChecked: SelfCheckedWrites; parameterFlows: ParameterFlows }
  | {
      onWrite(state: string, written: readonly number[], deciding: readonly number[]): void;
      reach(callee: string, state: string, argIndex: number, spreadBefore: boolean): Reach | undefined;
    };

/** The state a parameter's source carries in a walk for ParameterFlows: no state of the program has it. */
const PARAMETER = '\0parameter ';

class StaleFlow {
  private state: FlowState = { vars: new Map(), ctrl: EMPTY, frames: [], pending: [], reachable: true };
  private readonly loops: LoopFrame[] = [];
  private readonly bodies: BodyFrame[] = [];
  private readonly facts = new Map<string, Fact>();
  private readonly crossings = new Map<string, Fact>();
  /**
   * Names of every local ever bound in `vars`: an identifier of another name cannot read one,
   * so most identifiers skip the checker (resolving a name is the walk's most expensive step).
   */
  private readonly boundNames = new Set<string>();
  /** States written since the last yield on the strength of a fresh check of themselves (see `claim`). */
  private readonly claimedSinceYield = new Set<string>();
  private readonly checker: ts.TypeChecker;

  constructor(
    private readonly analysis: Analysis,
    private readonly index: FactIndex,
    private readonly fn: FunctionInfo,
    private readonly mode: FlowMode,
  ) {
    this.checker = analysis.checker;
  }

  run(): void {
    const node = this.fn.node;
    if (ts.isSourceFile(node)) {
      this.statements(node.statements);
      return;
    }
    if (!node.body) return;
    if ('onWrite' in this.mode) {
      node.parameters.forEach((parameter, index) => this.bind(parameter.name, new Set([this.fact({ state: `${PARAMETER}${index}`, node: parameter, held: [], through: [] })])));
    }
    if (ts.isBlock(node.body)) this.statements(node.body.statements);
    else this.expr(node.body);
  }

  // ------------------------------------------------------------ facts and taints

  private fact(read: StateRead): Fact {
    const origin = `${this.index.id(read.node)}:${read.state}`;
    const through = read.through.map((n) => this.index.id(n)).sort((a, b) => a - b).join(',');
    const crossed = read.crossed ? `${this.index.id(read.crossed.node)}${read.crossed.dedupedOn ? '~' : ''}` : '-';
    const key = `${origin}|${crossed}|${through}`;
    let fact = this.facts.get(key);
    if (!fact) {
      fact = { key, origin, read };
      this.facts.set(key, fact);
    }
    return fact;
  }

  private freshRead(state: string, node: ts.Node, held: readonly HeldLock[], via?: CallSite): Fact {
    return this.fact({ state, node, via, held, through: held.map((h) => h.acquiredAt) });
  }

  private readsAt(node: ts.Node): Taint {
    const accesses = this.index.reads.get(node);
    if (!accesses) return EMPTY;
    const target = ts.isExpression(node) ? node : undefined;
    if (target && this.isLocalObject(target)) return EMPTY;
    return new Set(accesses.map((a) => this.freshRead(a.state, a.node, a.held)));
  }

  private cross(fact: Fact, crossing: Crossing): Fact {
    const memo = `${fact.key}@${this.index.id(crossing.node)}${crossing.dedupedOn ? '~' : ''}`;
    let crossed = this.crossings.get(memo);
    if (!crossed) {
      const held = new Set(crossing.held.map((h) => h.acquiredAt));
      // the first yield crossed, unless only a deduplicated wait came before this one
      const first = fact.read.crossed;
      crossed = this.fact({
        ...fact.read,
        crossed: first && (!first.dedupedOn || crossing.dedupedOn) ? first : crossing,
        through: fact.read.through.filter((n) => held.has(n)),
      });
      this.crossings.set(memo, crossed);
    }
    return crossed;
  }

  private crossTaint(taint: Taint, crossing: Crossing): Taint {
    if (taint.size === 0) return taint;
    return new Set([...taint].map((f) => this.cross(f, crossing)));
  }

  /** Other code may run here: everything read so far may be stale. */
  private crossAll(crossing: Crossing): void {
    this.claimedSinceYield.clear();
    const s = this.state;
    for (const [symbol, taint] of s.vars) s.vars.set(symbol, this.crossTaint(taint, crossing));
    s.ctrl = this.crossTaint(s.ctrl, crossing);
    s.frames = s.frames.map((t) => this.crossTaint(t, crossing));
    s.pending = s.pending.map((t) => this.crossTaint(t, crossing));
  }

  /**
   * The state an `await` reads and waits for (`await this.pending`, `await promise`), when the
   * function claimed it since its last yield. What a call returns is not one: the call may start
   * new work.
   */
  private claimAwaited(operand: ts.Expression): string | undefined {
    const read = stripExpression(operand);
    if (!ts.isIdentifier(read) && !ts.isPropertyAccessExpression(read)) return undefined;
    for (const access of this.index.reads.get(read) ?? []) {
      for (const claimed of this.claimedSinceYield) if (access.state === claimed) return claimed;
    }
    return undefined;
  }

  private yieldAt(node: ts.AwaitExpression | ts.YieldExpression | ts.ForOfStatement): Crossing {
    return { node, held: this.index.yields.get(node)?.held ?? [] };
  }

  // ------------------------------------------------------------ states

  private clone(state: FlowState = this.state): FlowState {
    return { vars: new Map(state.vars), ctrl: state.ctrl, frames: [...state.frames], pending: [...state.pending], reachable: state.reachable };
  }

  private join(states: FlowState[]): FlowState {
    const live = states.filter((s) => s.reachable);
    if (live.length === 0) return { ...this.clone(states[0] ?? this.state), reachable: false };
    const result = this.clone(live[0]);
    for (const other of live.slice(1)) {
      for (const [symbol, taint] of other.vars) result.vars.set(symbol, union(result.vars.get(symbol) ?? EMPTY, taint));
      result.ctrl = union(result.ctrl, other.ctrl);
      result.frames = result.frames.map((t, i) => union(t, other.frames[i] ?? EMPTY));
      result.pending = result.pending.map((t, i) => union(t, other.pending[i] ?? EMPTY));
    }
    return result;
  }

  private signature(state: FlowState): string {
    const parts = [...state.vars.values()].map((t) => keys(t)).sort();
    return `${parts.join(';')}#${keys(state.ctrl)}#${state.reachable}`;
  }

  // ------------------------------------------------------------ statements

  private statements(list: readonly ts.Statement[]): void {
    for (const statement of list) {
      if (!this.state.reachable) return;
      this.statement(statement);
    }
  }

  private statement(node: ts.Statement): void {
    if (!this.state.reachable) return;
    if (ts.isBlock(node)) return this.statements(node.statements);
    if (ts.isExpressionStatement(node)) {
      this.expr(node.expression);
      return;
    }
    if (ts.isVariableStatement(node)) return this.declarations(node.declarationList);
    if (ts.isReturnStatement(node)) {
      const value = node.expression ? this.expr(node.expression) : EMPTY;
      const body = this.bodies[this.bodies.length - 1];
      if (body) {
        body.values.push(value);
        body.returns.push(leave(this.state, body.depth));
      }
      this.state.reachable = false;
      return;
    }
    if (ts.isThrowStatement(node)) {
      this.expr(node.expression);
      this.state.reachable = false;
      return;
    }
    if (ts.isIfStatement(node)) return this.ifStatement(node);
    if (ts.isIterationStatement(node, false)) return this.loop(node);
    if (ts.isBreakStatement(node) || ts.isContinueStatement(node)) {
      const frame = this.loops[this.loops.length - 1];
      if (frame) (ts.isBreakStatement(node) ? frame.breaks : frame.continues).push(leave(this.state, frame.depth));
      this.state.reachable = false;
      return;
    }
    if (ts.isTryStatement(node)) return this.tryStatement(node);
    if (ts.isSwitchStatement(node)) return this.switchStatement(node);
    if (ts.isLabeledStatement(node)) return this.statement(node.statement);
    if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) return;
    ts.forEachChild(node, (child) => {
      if (ts.isExpression(child)) this.expr(child);
      else if (ts.isStatement(child)) this.statement(child);
    });
  }

  private declarations(list: ts.VariableDeclarationList): void {
    for (const declaration of list.declarations) {
      if (!declaration.initializer) continue;
      const value = this.expr(declaration.initializer);
      this.bind(declaration.name, value);
    }
  }

  private bind(name: ts.BindingName | ts.Expression, value: Taint): void {
    if (ts.isIdentifier(name)) {
      this.bindLocal(name, symbolAt(this.checker, name), value);
      return;
    }
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const symbol = ts.isShorthandPropertyAssignment(node.parent)
          ? this.checker.getShorthandAssignmentValueSymbol(node.parent)
          : symbolAt(this.checker, node);
        this.bindLocal(node, symbol, value);
        return;
      }
      // Property names and default values are not what gets bound.
      if (ts.isBindingElement(node)) return visit(node.name);
      if (ts.isPropertyAssignment(node)) return visit(node.initializer);
      ts.forEachChild(node, visit);
    };
    visit(name);
  }

  private bindLocal(name: ts.Identifier, symbol: ts.Symbol | undefined, value: Taint): void {
    if (!symbol || !this.isLocal(symbol)) return;
    this.boundNames.add(name.text);
    this.state.vars.set(symbol, value);
  }

  /** What a local named here carries, if it is one the walk bound. */
  private localTaint(name: ts.Identifier, symbolOf: (name: ts.Identifier) => ts.Symbol | undefined): Taint | undefined {
    if (!this.boundNames.has(name.text)) return undefined;
    const symbol = symbolOf(name);
    return symbol ? this.state.vars.get(symbol) : undefined;
  }

  private ifStatement(node: ts.IfStatement): void {
    const condition = this.expr(node.expression);
    const before = this.clone();
    const thenState = this.branch(condition, () => this.statement(node.thenStatement));
    this.state = this.clone(before);
    const elseState = this.branch(condition, () => node.elseStatement && this.statement(node.elseStatement));
    this.mergeBranches(thenState, elseState);
  }

  /** Walks a branch under a condition; returns its end state and the condition as it stands there (crossed or not). */
  private branch(condition: Taint, walk: () => void): { state: FlowState; condition: Taint } {
    this.state.frames.push(condition);
    walk();
    const frame = this.state.frames.pop() ?? EMPTY;
    return { state: this.state, condition: frame };
  }

  /** Where only one branch goes on, what follows depends on its condition. */
  private mergeBranches(a: { state: FlowState; condition: Taint }, b: { state: FlowState; condition: Taint }): void {
    if (a.state.reachable && b.state.reachable) {
      this.state = this.join([a.state, b.state]);
      return;
    }
    const survivor = a.state.reachable ? a : b.state.reachable ? b : undefined;
    if (!survivor) {
      this.state = this.join([a.state, b.state]);
      return;
    }
    this.state = survivor.state;
    this.state.ctrl = union(this.state.ctrl, survivor.condition);
  }

  private loop(node: ts.IterationStatement): void {
    if (ts.isForStatement(node) && node.initializer) {
      if (ts.isVariableDeclarationList(node.initializer)) this.declarations(node.initializer);
      else this.expr(node.initializer);
    }
    let iterated = EMPTY;
    if (ts.isForOfStatement(node) || ts.isForInStatement(node)) iterated = this.expr(node.expression);
    const entryOrigins = new Set([...this.state.ctrl].map((f) => f.origin));
    let head = this.clone();
    let exits: FlowState[] = [];
    for (let round = 0; round < 3; round++) {
      this.state = this.clone(head);
      const frame: LoopFrame = { breaks: [], continues: [], depth: this.state.frames.length + 1 };
      this.loops.push(frame);
      let condition = EMPTY;
      if (ts.isWhileStatement(node)) condition = this.expr(node.expression);
      if (ts.isForStatement(node) && node.condition) condition = this.expr(node.condition);
      if (ts.isForOfStatement(node)) {
        if (node.awaitModifier) {
          this.crossAll(this.yieldAt(node));
          iterated = this.crossTaint(iterated, this.yieldAt(node));
        }
        if (ts.isVariableDeclarationList(node.initializer)) for (const d of node.initializer.declarations) this.bind(d.name, iterated);
        else this.bind(node.initializer, iterated);
      }
      if (ts.isForInStatement(node) && ts.isVariableDeclarationList(node.initializer)) {
        for (const d of node.initializer.declarations) this.bind(d.name, iterated);
      }
      const conditionFalse = this.clone();
      this.state.frames.push(condition);
      this.statement(node.statement);
      this.state = this.join([this.state, ...frame.continues]);
      if (ts.isForStatement(node) && node.incrementor) this.expr(node.incrementor);
      if (ts.isDoStatement(node)) this.expr(node.expression);
      this.state.frames.pop();
      this.loops.pop();
      exits = [ts.isDoStatement(node) ? this.clone() : conditionFalse, ...frame.breaks.map((b) => leave(b, frame.depth - 1))];
      const next = this.join([head, this.state]);
      // Each iteration decides afresh: a check that kept the last iteration going does not decide the next.
      next.ctrl = onlyFrom(next.ctrl, entryOrigins);
      if (this.signature(next) === this.signature(head)) break;
      head = next;
    }
    this.state = this.join(exits);
    // Conditions that only skipped iterations do not decide what follows the loop.
    this.state.ctrl = onlyFrom(this.state.ctrl, entryOrigins);
    if (ts.isWhileStatement(node) || ts.isForStatement(node)) this.state.reachable = true;
  }

  private tryStatement(node: ts.TryStatement): void {
    const before = this.clone();
    this.statements(node.tryBlock.statements);
    const afterTry = this.state;
    let afterCatch: FlowState | undefined;
    if (node.catchClause) {
      this.state = this.join([before, afterTry]);
      this.state.reachable = true;
      this.statements(node.catchClause.block.statements);
      afterCatch = this.state;
    }
    this.state = this.join(afterCatch ? [afterTry, afterCatch] : [afterTry]);
    if (node.finallyBlock) {
      const reachable = this.state.reachable;
      this.state.reachable = true;
      this.statements(node.finallyBlock.statements);
      this.state.reachable = this.state.reachable && reachable;
    }
  }

  private switchStatement(node: ts.SwitchStatement): void {
    let condition = this.expr(node.expression);
    for (const clause of node.caseBlock.clauses) if (ts.isCaseClause(clause)) condition = union(condition, this.expr(clause.expression));
    this.state.frames.push(condition);
    const entry = this.clone();
    const frame: LoopFrame = { breaks: [], continues: [], depth: this.state.frames.length };
    this.loops.push(frame);
    let fallthrough: FlowState | undefined;
    let hasDefault = false;
    for (const clause of node.caseBlock.clauses) {
      if (ts.isDefaultClause(clause)) hasDefault = true;
      this.state = fallthrough?.reachable ? this.join([this.clone(entry), fallthrough]) : this.clone(entry);
      this.statements(clause.statements);
      fallthrough = this.state;
    }
    this.loops.pop();
    const outer = this.loops[this.loops.length - 1];
    outer?.continues.push(...frame.continues.map((c) => leave(c, outer.depth)));
    const ends = [...(fallthrough ? [fallthrough] : []), ...frame.breaks, ...(hasDefault ? [] : [entry])];
    this.state = this.join(ends);
    this.state.frames.pop();
  }

  // ------------------------------------------------------------ expressions

  private expr(node: ts.Expression): Taint {
    if (!this.state.reachable) return EMPTY;
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isNonNullExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isTypeAssertionExpression(node)
    ) {
      return this.expr(node.expression);
    }
    if (ts.isAwaitExpression(node) || ts.isYieldExpression(node)) {
      const value = node.expression ? this.expr(node.expression) : EMPTY;
      const crossing = this.yieldAt(node);
      if (ts.isAwaitExpression(node)) crossing.dedupedOn = this.claimAwaited(node.expression);
      this.crossAll(crossing);
      return this.crossTaint(value, crossing);
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) return this.call(node);
    if (ts.isIdentifier(node)) return this.identifier(node);
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) return this.access(node);
    if (ts.isBinaryExpression(node)) return this.binary(node);
    if (ts.isConditionalExpression(node)) {
      const condition = this.expr(node.condition);
      const before = this.clone();
      let whenTrue = EMPTY;
      let whenFalse = EMPTY;
      const a = this.branch(condition, () => (whenTrue = this.expr(node.whenTrue)));
      this.state = this.clone(before);
      const b = this.branch(condition, () => (whenFalse = this.expr(node.whenFalse)));
      this.mergeBranches(a, b);
      return union(union(a.condition, b.condition), union(whenTrue, whenFalse));
    }
    if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
      const value = this.expr(node.operand);
      if (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken) {
        this.writeAt(node.operand, value, node.operand);
      }
      return value;
    }
    if (ts.isDeleteExpression(node)) {
      this.expr(node.expression);
      this.writeAt(node.expression, EMPTY, node.expression);
      return EMPTY;
    }
    if (isFunctionNode(node) || ts.isClassExpression(node)) return EMPTY;
    if (ts.isObjectLiteralExpression(node)) return this.objectLiteral(node);
    if (ts.isSpreadElement(node)) return this.expr(node.expression);
    return this.sequence(childExpressions(node));
  }

  /** Evaluates operands in order; an earlier operand's value crosses a yield in a later one. */
  private sequence(operands: readonly ts.Expression[]): Taint {
    let value = EMPTY;
    for (const operand of operands) {
      this.state.pending.push(value);
      const next = this.expr(operand);
      value = union(this.state.pending.pop() ?? EMPTY, next);
    }
    return value;
  }

  private objectLiteral(node: ts.ObjectLiteralExpression): Taint {
    const values: ts.Expression[] = [];
    const shorthands: ts.ShorthandPropertyAssignment[] = [];
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) values.push(property.initializer);
      else if (ts.isSpreadAssignment(property)) values.push(property.expression);
      else if (ts.isShorthandPropertyAssignment(property)) shorthands.push(property);
    }
    let value = this.sequence(values);
    for (const shorthand of shorthands) {
      const local = this.localTaint(shorthand.name, () => this.checker.getShorthandAssignmentValueSymbol(shorthand));
      value = union(value, union(local ?? EMPTY, this.readsAt(shorthand.name)));
    }
    return value;
  }

  private identifier(node: ts.Identifier): Taint {
    const local = this.localTaint(node, (name) => symbolAt(this.checker, name));
    return union(local ?? EMPTY, this.readsAt(node));
  }

  private access(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): Taint {
    const object = ts.isElementAccessExpression(node) ? this.sequence([node.expression, node.argumentExpression]) : this.expr(node.expression);
    return union(object, this.readsAt(node));
  }

  private binary(node: ts.BinaryExpression): Taint {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
      const left = this.expr(node.left);
      const skipped = this.clone();
      let right = EMPTY;
      const evaluated = this.branch(left, () => (right = this.expr(node.right)));
      this.state = this.join([skipped, evaluated.state]);
      return union(union(left, evaluated.condition), right);
    }
    if (op === ts.SyntaxKind.CommaToken) {
      this.expr(node.left);
      return this.expr(node.right);
    }
    const isAssignment = op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
    if (!isAssignment) return this.sequence([node.left, node.right]);
    const target = stripExpression(node.left);
    let value: Taint;
    if (op === ts.SyntaxKind.EqualsToken) {
      if (ts.isPropertyAccessExpression(target)) this.expr(target.expression);
      else if (ts.isElementAccessExpression(target)) this.sequence([target.expression, target.argumentExpression]);
      value = this.expr(node.right);
    } else if (isLogicalAssignment(op)) {
      // `x ||= await y` writes y's value, and only if x said so.
      const left = this.expr(node.left);
      this.state.frames.push(left);
      value = this.expr(node.right);
      this.writeAt(target, value, target);
      const kept = this.state.frames.pop() ?? EMPTY;
      if (ts.isIdentifier(target)) this.bind(target, union(kept, value));
      return union(kept, value);
    } else {
      // `x += await y` reads x before the yield in y.
      value = this.sequence([node.left, node.right]);
    }
    this.writeAt(target, value, target);
    if (ts.isIdentifier(target) || ts.isArrayLiteralExpression(target) || ts.isObjectLiteralExpression(target)) this.bind(target, value);
    return value;
  }

  private call(node: ts.CallExpression | ts.NewExpression): Taint {
    const site = this.index.calls.get(node);
    const callee = stripExpression(node.expression);
    let receiver = EMPTY;
    if (ts.isPropertyAccessExpression(callee)) receiver = this.expr(callee.expression);
    else if (ts.isElementAccessExpression(callee)) receiver = this.sequence([callee.expression, callee.argumentExpression]);
    else if (!isFunctionNode(callee)) this.expr(callee);

    const args = node.arguments ?? [];
    const inline: { fn: ts.FunctionLikeDeclaration; index: number }[] = [];
    const values: { arg: ts.Expression; index: number }[] = [];
    args.forEach((arg, index) => {
      const inner = stripExpression(ts.isSpreadElement(arg) ? arg.expression : arg);
      if (isFunctionNode(inner)) inline.push({ fn: inner, index });
      else values.push({ arg, index });
    });
    // each argument's value on its own (a callee's write may take one and not another), on the
    // pending stack so that a yield in a later argument or an inline callback crosses it
    this.state.pending.push(receiver);
    const base = this.state.pending.length;
    for (const { arg } of values) {
      // the walk of an argument may replace the state (a branch joins): push onto the one after it
      const value = this.expr(arg);
      this.state.pending.push(value);
    }
    let argTaints = this.state.pending.splice(base);
    receiver = this.state.pending.pop() ?? EMPTY;

    // Callbacks the call runs before it returns are this function's own code.
    let returned = EMPTY;
    for (const { fn, index } of inline) {
      const how = site && this.inlineTiming(site, index);
      if (!how) continue;
      if (how === 'after-lock') this.crossAll({ node, held: site.held, waitsFor: lockOf(site) });
      this.state.pending.push(...argTaints);
      returned = union(returned, this.inlineBody(fn, receiver));
      argTaints = this.state.pending.splice(this.state.pending.length - argTaints.length);
    }
    const argTaint = argTaints.reduce(union, EMPTY);
    if (!site) return union(receiver, union(argTaint, returned));

    const userCall = site.targets.length > 0;
    const bodies = bodiesRunBy(this.analysis, site, false);
    let reads: Taint = userCall ? EMPTY : this.readsAt(callee);
    const owned = bodies.map((key) => ({ key, summary: this.analysis.summaries.get(key), own: this.ownership(key) }));
    for (const { summary, own } of owned) {
      if (summary) reads = union(reads, new Set([...summary.reads.keys()].filter(own).map((state) => this.freshRead(state, node, site.held, site))));
    }
    // Writes through the call: the collection method itself, or what the callees write.
    if (!userCall) for (const access of this.index.writes.get(callee) ?? []) this.check(access.state, access.held, node, undefined, argTaint);
    // arguments are told apart only where one carries what the walk looks for (most carry nothing)
    const telling = someFact(argTaint, (f) => this.argumentMatters(f, undefined));
    for (const { key, summary, own } of owned) {
      // a callback the call runs is not given the call's arguments: they are taken whole
      const byParameter = telling && site.targets.includes(key);
      for (const state of summary?.writes.keys() ?? []) {
        if (!this.countsWrite(key, state, own)) continue;
        if (!byParameter) {
          this.check(state, site.held, node, site, argTaint);
          continue;
        }
        const into = this.argumentsInto(key, state, values, argTaints, argTaint);
        // what only decides the callee's write is a condition of it, as a branch's is
        this.state.frames.push(into.deciding);
        this.check(state, site.held, node, site, into.value);
        this.state.frames.pop();
      }
    }
    const awaited = ts.isAwaitExpression(skipParentheses(node));
    return awaited ? union(reads, returned) : union(union(receiver, argTaint), union(reads, returned));
  }

  /**
   * Whether a callee's write is taken through a call: for stale writes, one of the callee's own
   * object or module, not one it decides afresh (SelfCheckedWrites); for parameter flows, every
   * write (what reaches it is all that is asked).
   */
  private countsWrite(key: string, state: string, own: (state: string) => boolean): boolean {
    return 'onWrite' in this.mode || (own(state) && !this.mode.selfChecked.of(key, state));
  }

  /**
   * What in an argument makes it worth asking how it reaches a callee's write (of `state`, or of
   * any state): for stale writes, a stale read of it; for parameter flows, a parameter.
   */
  private argumentMatters(f: Fact, state: string | undefined): boolean {
    if ('onWrite' in this.mode) return f.read.state.startsWith(PARAMETER);
    return !!f.read.crossed && (state === undefined || sameState(f.read.state, state));
  }

  /**
   * What a call's arguments carry into a callee's write of `state`, by how their parameters reach
   * it (ParameterFlows): asked only where an argument carries a stale read of it.
   */
  private argumentsInto(
    key: string,
    state: string,
    values: readonly { arg: ts.Expression; index: number }[],
    argTaints: readonly Taint[],
    all: Taint,
  ): { value: Taint; deciding: Taint } {
    if (!someFact(all, (f) => this.argumentMatters(f, state))) return { value: all, deciding: EMPTY };
    const reachOf = 'onWrite' in this.mode ? this.mode.reach : this.mode.parameterFlows.reach.bind(this.mode.parameterFlows);
    let spread = false;
    let value = EMPTY;
    let deciding = EMPTY;
    values.forEach(({ arg, index }, i) => {
      spread ||= ts.isSpreadElement(arg);
      const reach = reachOf(key, state, index, spread);
      if (reach === 'value') value = union(value, argTaints[i]!);
      else if (reach === 'control') deciding = union(deciding, argTaints[i]!);
    });
    return { value, deciding };
  }

  /**
   * Which of a callee's (transitive) reads and writes a caller's data flow takes through the call:
   * those of the callee's own object (its class's fields) and of its own module. A callee's result
   * is not taken to depend on everything it reads on the way (an error object's fields deep in a
   * request helper), nor its argument to flow into everything it writes.
   */
  private ownership(key: string): (state: string) => boolean {
    const info = this.analysis.functions.get(key);
    if (!info) return () => true;
    let owner: ts.Node | undefined = info.node.parent;
    while (owner && !ts.isClassLike(owner) && !ts.isSourceFile(owner)) owner = owner.parent;
    const className = owner && ts.isClassLike(owner) ? (owner.name?.text ?? '<class>') : undefined;
    const file = this.analysis.relativePath(info.sourceFile.fileName);
    // a function outside any class is its module's: the classes the module declares are its own
    const moduleClasses = className === undefined ? classesDeclaredIn(info.sourceFile) : undefined;
    return (state) => {
      const hash = state.indexOf('#');
      const place = state.slice(0, hash);
      return place === file || (className !== undefined && place === className) || !!moduleClasses?.has(place);
    };
  }

  /**
   * How an inline callback at `argIndex` runs before the call returns, walked in place: at once, or
   * once the call's lock is taken (undefined: not before it returns). Stricter than the summaries'
   * `runsBeforeReturn`: an async callback of `forEach` runs only up to its first await.
   */
  private inlineTiming(site: CallSite, argIndex: number): 'now' | 'after-lock' | undefined {
    const external = site.external;
    // An async callback of forEach/map runs only up to its first await before the call returns.
    if (external?.kind === 'callback-api') return external.timing === 'immediate' && !this.isAsyncInline(site, argIndex) ? 'now' : undefined;
    if (external?.kind === 'lock-op' && external.op.kind === 'run-callback') {
      const index = external.op.callbackArg === -1 ? (site.node.arguments?.length ?? 0) - 1 : external.op.callbackArg;
      return index === argIndex ? 'after-lock' : undefined;
    }
    for (const target of site.targets) {
      const wrapper = this.analysis.wrappers.get(target);
      if (wrapper?.paramsUnderLock.has(argIndex)) return 'after-lock';
      if (wrapper?.paramsImmediate.has(argIndex)) return 'now';
    }
    return undefined;
  }

  private isAsyncInline(site: CallSite, argIndex: number): boolean {
    const callback = site.callbackArgs.find((c) => c.argIndex === argIndex && c.inline);
    return !!callback && !!this.analysis.functions.get(callback.fn)?.isAsync;
  }

  /** A callback's body walked in place; its parameters carry `argument`'s reads (array elements). */
  private inlineBody(fn: ts.FunctionLikeDeclaration, argument: Taint): Taint {
    for (const parameter of fn.parameters) this.bind(parameter.name, argument);
    const frame: BodyFrame = { returns: [], values: [], depth: this.state.frames.length };
    this.bodies.push(frame);
    if (fn.body && ts.isBlock(fn.body)) this.statements(fn.body.statements);
    else if (fn.body) frame.values.push(this.expr(fn.body));
    this.bodies.pop();
    this.state = this.join([this.state, ...frame.returns]);
    this.state.reachable = true;
    return frame.values.reduce(union, EMPTY);
  }

  // ------------------------------------------------------------ writes

  private writeAt(target: ts.Expression, value: Taint, node: ts.Node): void {
    for (const access of this.index.writes.get(target) ?? []) this.check(access.state, access.held, node, undefined, value);
  }

  private check(state: string, held: readonly HeldLock[], node: ts.Node, via: CallSite | undefined, value: Taint): void {
    if (ts.isExpression(node) && !via && this.isLocalObject(node)) return;
    if ('onWrite' in this.mode) this.mode.onWrite(state, parametersIn([value]), parametersIn([this.state.ctrl, ...this.state.frames]));
    else this.report(this.mode.found, state, held, node, via, value);
    this.claim(state, via ? undefined : value);
  }

  /**
   * A check of the state followed by a write of it before any yield (`if (this.busy) return;
   * this.busy = true;`) claims the state: other code that runs during the yield finds this
   * function's own value and backs off, and a later write (`this.busy = false` in a `finally`) is
   * decided by that claim, not by the check. The check no longer decides what follows; a value read
   * from the state still flows wherever it goes.
   *
   * A write of the function's own (`ownValue`: what it writes; a callee's write is the callee's)
   * that a fresh read of the state decides or computes (`this.p ??= load()`) also holds the claim
   * until the next yield: an `await` of the state then waits for work every such call shares
   * (claimAwaited).
   */
  private claim(state: string, ownValue?: Taint): void {
    const fresh = (f: Fact) => !f.read.crossed && sameState(f.read.state, state);
    if (ownValue && [ownValue, this.state.ctrl, ...this.state.frames].some((taint) => someFact(taint, fresh))) this.claimedSinceYield.add(state);
    const unclaimed = (taint: Taint): Taint => (someFact(taint, fresh) ? new Set([...taint].filter((g) => !fresh(g))) : taint);
    this.state.ctrl = unclaimed(this.state.ctrl);
    this.state.frames = this.state.frames.map(unclaimed);
  }

  private report(found: Map<string, StaleWrite>, state: string, held: readonly HeldLock[], node: ts.Node, via: CallSite | undefined, value: Taint): void {
    const decision = [...value, ...this.state.ctrl, ...this.state.frames.flatMap((t) => [...t])];
    const stale = decision.filter((f) => f.read.crossed && sameState(f.read.state, state));
    if (stale.length === 0) return;
    const staleOrigins = new Set(stale.map((f) => f.origin));
    const reread = decision.some((f) => !f.read.crossed && sameState(f.read.state, state) && !staleOrigins.has(f.origin));
    if (reread) return;
    const fromValue = stale.filter((f) => value.has(f));
    // A stale check whose every yield is a wait for work the function claimed (a memo of the
    // promise: \`if (this.v) return this.v; this.p ??= load(); this.v = await this.p\`) decides
    // the same write in every call that passes it: concurrent calls wait for the same work. It
    // holds while this function is the state's only writer.
    if (fromValue.length === 0 && stale.every((f) => f.read.crossed?.dedupedOn) && this.onlyWriterOf(state)) return;
    const chosen = (fromValue.length ? fromValue : stale).sort((a, b) => a.read.node.pos - b.read.node.pos)[0]!;
    const through = new Set(chosen.read.through);
    const write: StaleWrite = {
      function: this.fn.key,
      node,
      state,
      held,
      via,
      read: chosen.read,
      flow: fromValue.length ? 'value' : 'control',
      heldThroughout: held.filter((h) => through.has(h.acquiredAt)),
    };
    const key = `${this.index.id(node)}|${state}`;
    const existing = found.get(key);
    if (!existing || (existing.flow === 'control' && write.flow === 'value')) found.set(key, write);
  }

  /** Whether every direct write of the state in the program is this function's. */
  private onlyWriterOf(state: string): boolean {
    return stateWritersOf(this.analysis, stateBase(state)).every((writer) => writer.function.key === this.fn.key);
  }

  // ------------------------------------------------------------ what is local

  private isLocal(symbol: ts.Symbol): boolean {
    const declaration = symbol.valueDeclaration;
    if (!declaration) return false;
    const fnNode = this.fn.node;
    return declaration.getSourceFile() === fnNode.getSourceFile() && declaration.pos >= fnNode.pos && declaration.end <= fnNode.end && !ts.isSourceFile(fnNode);
  }

  /** `const result = { … }` / `new Counter()` in this function: its members are not shared. */
  private isLocalObject(expression: ts.Expression): boolean {
    let root = stripExpression(expression);
    while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || ts.isCallExpression(root)) root = stripExpression(root.expression);
    if (!ts.isIdentifier(root) || root === stripExpression(expression)) return false;
    const symbol = symbolAt(this.checker, root);
    const declaration = symbol?.valueDeclaration;
    if (!symbol || !declaration || !ts.isVariableDeclaration(declaration) || !this.isLocal(symbol) || !declaration.initializer) return false;
    const init = stripExpression(declaration.initializer);
    return ts.isNewExpression(init) || ts.isObjectLiteralExpression(init) || ts.isArrayLiteralExpression(init);
  }
}

const moduleClasses = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

/** The names of the classes a module declares at its top level. */
function classesDeclaredIn(sourceFile: ts.SourceFile): ReadonlySet<string> {
  let names = moduleClasses.get(sourceFile);
  if (!names) {
    names = new Set(sourceFile.statements.filter(ts.isClassDeclaration).flatMap((c) => (c.name ? [c.name.text] : [])));
    moduleClasses.set(sourceFile, names);
  }
  return names;
}

/** Whether some fact of a taint satisfies `test`, without copying the set. */
function someFact(taint: Taint, test: (f: Fact) => boolean): boolean {
  for (const f of taint) if (test(f)) return true;
  return false;
}

/** The parameters whose sources are in some of the taints (a walk for ParameterFlows). */
function parametersIn(taints: readonly Taint[]): number[] {
  const indexes: number[] = [];
  for (const taint of taints) for (const f of taint) if (f.read.state.startsWith(PARAMETER)) indexes.push(Number(f.read.state.slice(PARAMETER.length)));
  return indexes;
}

/** A state leaving branches: only the frames open at `depth` stay. */
function leave(state: FlowState, depth: number): FlowState {
  return { vars: new Map(state.vars), ctrl: state.ctrl, frames: state.frames.slice(0, depth), pending: [...state.pending], reachable: state.reachable };
}

function isLogicalAssignment(op: ts.SyntaxKind): boolean {
  return op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.AmpersandAmpersandEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken;
}

function onlyFrom(taint: Taint, origins: ReadonlySet<string>): Taint {
  return new Set([...taint].filter((f) => origins.has(f.origin)));
}

function lockOf(site: CallSite): string | undefined {
  return site.external?.kind === 'lock-op' ? site.external.op.lock.id : undefined;
}

function union(a: Taint, b: Taint): Taint {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const result = new Set(a);
  for (const f of b) result.add(f);
  return result;
}

function keys(taint: Taint): string {
  return [...taint].map((f) => f.key).sort().join(',');
}

function skipParentheses(node: ts.Node): ts.Node {
  let parent = node.parent;
  while (parent && (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent))) parent = parent.parent;
  return parent;
}

function childExpressions(node: ts.Node): ts.Expression[] {
  const children: ts.Expression[] = [];
  ts.forEachChild(node, (child) => {
    if (ts.isExpression(child)) children.push(child);
    else if (ts.isTemplateSpan(child)) children.push(child.expression);
  });
  return children;
}
