import ts from 'typescript';
import {
  factsInScope,
  inScope,
  carriedMustHoldOnEntry,
  isWithin,
  programAnnotations,
  stripExpression,
  symbolAt,
  type Analysis,
  type Annotation,
  type CallSite,
  type FileScope,
  type FunctionFacts,
  type GuardedState,
  type HeldLock,
  type LockRef,
  type ProgramAnnotations,
  type SharedAccess,
  type TraceStep,
} from '@lockwise/analyzer';
import { accessReceiver, callReceiver, differentObjects, lockExpressionOf } from './support/guarded-access-instances.js';
import { defineRule, type RuleReport } from './support/rule.js';
import { chainSteps, displayName, heldStep, step } from './support/trace.js';

export interface Options {
  /** Also report fields that carry no `@guardedBy` but are accessed under one lock in most places. */
  inferGuards: boolean;
  /** Share of a field's accesses made under one lock from which the field counts as guarded by it. */
  inferThreshold: number;
  /** Fewest accesses an inferred guard is based on. */
  inferMinAccesses: number;
  /** Check reads of guarded state, not only writes. */
  checkReads: boolean;
  /** A function every in-program caller calls with a lock held holds it (no `@requires` needed). */
  trustCallers: boolean;
}

/**
 * Thread-safety annotations in JSDoc, checked at every use: `@guardedBy` state accessed without
 * its lock (or under the lock of another object), `@requires`/`@releases` functions called
 * without the lock, `@excludes` functions called (directly or through any chain of calls) with
 * it, `@acquires`/`@releases` contracts the body does not keep, guarded references that escape
 * their region, and annotations naming no lock at all.
 */
export default defineRule<Options>({
  name: 'guarded-access',
  meta: {
    type: 'problem',
    docs: {
      description: 'Check @guardedBy, @requires, @excludes, @acquires and @releases annotations against the locks actually held',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      unguardedWrite: '`{{fn}}` writes `{{state}}` without holding `{{lock}}`, which guards it (`@guardedBy {{name}}`).',
      unguardedRead: '`{{fn}}` reads `{{state}}` without holding `{{lock}}`, which guards it (`@guardedBy {{name}}`).',
      wrongInstance:
        '`{{access}}` is guarded by `{{expected}}`, but the lock held here is `{{held}}` of another object (found near match \'{{held}}\').',
      requiresNotHeld: '`{{callee}}` requires `{{lock}}` (`@{{tag}} {{name}}`), which is not held at this call.',
      wrongScope: "Lock managed by '{{param}}' is '{{actual}}' instead of '{{expected}}' (`{{callee}}` requires `{{expected}}`).",
      excludedHeld: '`{{callee}}` must not be called with `{{lock}}` held (`@excludes {{name}}`), but it is held here{{through}}.',
      acquiresNotHeld: '`{{fn}}` is annotated `@acquires {{name}}` but can return without holding `{{lock}}`.',
      releasesNotReleased: '`{{fn}}` is annotated `@releases {{name}}` but does not release `{{lock}}`.',
      unknownLock: '`@{{tag}} {{name}}` names no lock in scope{{hint}}',
      notALock: '`@{{tag}} {{name}}` names something that is not a lock{{hint}}',
      guardedEscape:
        '`{{access}}` (guarded by `{{lock}}`) escapes the region {{how}} and is used after `{{lock}}` is released. Hand out a copy ({{copy}}).',
      inferredGuard: '`{{state}}` is guarded by `{{lock}}` in {{percent}}% of accesses ({{guarded}} of {{total}}), but not here.',
    },
    schema: {
      type: 'object',
      properties: {
        inferGuards: { type: 'boolean' },
        inferThreshold: { type: 'number', minimum: 0, maximum: 1 },
        inferMinAccesses: { type: 'integer', minimum: 2 },
        checkReads: { type: 'boolean' },
        trustCallers: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    defaultOptions: { inferGuards: false, inferThreshold: 0.8, inferMinAccesses: 3, checkReads: true, trustCallers: true },
  },
  check(analysis, options, scope) {
    const checker = new GuardChecker(analysis, options, scope);
    return [
      ...checker.annotationProblems(),
      ...checker.accessReports(),
      ...checker.callReports(),
      ...checker.transitiveExcludes(),
      ...checker.contractReports(),
      ...(options.inferGuards ? checker.inferredGuards() : []),
    ];
  },
});

/** Calls followed back from an `@excludes` function. */
const MAX_CHAIN = 8;

type Access = SharedAccess & { write: boolean; facts: FunctionFacts };

/** How a lock is held at a point: seen held (with where it was taken), or assumed from annotations and callers. */
type Holding = { by: 'held'; held: HeldLock } | { by: 'assumed' };

class GuardChecker {
  private readonly annotations: ProgramAnnotations;
  private mustCache: ReadonlyMap<string, ReadonlySet<string>> | undefined;
  private readonly assumedCache = new Map<string, Set<string>>();

  constructor(
    private readonly analysis: Analysis,
    private readonly options: Options,
    /** Reports are wanted in these files only (every file without a scope). */
    private readonly scope?: FileScope,
  ) {
    this.annotations = programAnnotations(analysis);
  }

  /** Locks every caller holds, per function: computed once, and only when something needs a lock held. */
  private get must(): ReadonlyMap<string, ReadonlySet<string>> {
    this.mustCache ??= this.options.trustCallers ? carriedMustHoldOnEntry(this.analysis, 'guarded-access', (key) => [...this.assumed(key)], this.assumptions()) : new Map();
    return this.mustCache;
  }

  /**
   * What `assumed` answers beyond the facts, as text: the locks each function `@requires` or
   * `@releases` (a callback inherits its enclosing function's, which its facts decide).
   */
  private assumptions(): string {
    const own = [...this.annotations.functions].map(([key, annotations]) => [
      key,
      annotations.filter((a) => a.kind === 'requires' || a.kind === 'releases').flatMap((a) => a.refs.filter((r) => r.id && r.paramIndex === undefined).map((r) => r.id)),
    ]);
    return JSON.stringify(own.filter(([, ids]) => ids!.length > 0));
  }

  // ------------------------------------------------------------ annotations that resolve to nothing

  annotationProblems(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const annotation of this.annotations.all) {
      if (!inScope(this.scope, annotation.tag)) continue;
      for (const ref of annotation.refs) {
        if (!ref.problem) continue;
        const hint = ref.suggestion ? `. Did you mean \`${ref.suggestion}\`?` : '.';
        reports.push({
          node: annotation.tag,
          messageId: ref.problem === 'unknown' ? 'unknownLock' : 'notALock',
          data: { tag: annotation.kind, name: ref.written, hint },
          trace: [step(this.analysis, annotation.tag, `@${annotation.kind} ${ref.written} does not resolve to a lock`)],
        });
      }
    }
    return reports;
  }

  // ------------------------------------------------------------ accesses of @guardedBy state

  accessReports(): RuleReport[] {
    const reports: RuleReport[] = [];
    // an access is reported at itself: only the scope's functions
    for (const access of this.accesses(factsInScope(this.analysis, this.scope))) {
      const guarded = this.annotations.guarded.get(baseState(access.state));
      const lock = guarded?.annotation.refs[0]?.id;
      if (!guarded || !lock || this.initialises(access.facts, guarded)) continue;
      if (!access.write && !this.options.checkReads) continue;
      const holding = this.holding(access.facts, access.held, lock);
      if (!holding) {
        reports.push(this.unguarded(access, guarded, lock));
        continue;
      }
      if (holding.by === 'held') {
        const wrong = this.wrongInstance(access, guarded, holding.held);
        if (wrong) {
          reports.push(wrong);
          continue;
        }
        if (!access.write) {
          const escape = this.escape(access, guarded, lock, holding.held);
          if (escape) reports.push(escape);
        }
      }
    }
    return reports;
  }

  /** Reads and writes of the functions, one per node (a compound assignment is a write). */
  private accesses(functions: Iterable<FunctionFacts>): Access[] {
    const result: Access[] = [];
    for (const facts of functions) {
      const written = new Set(facts.writes.map((w) => w.node));
      for (const w of facts.writes) result.push({ ...w, write: true, facts });
      for (const r of facts.reads) if (!written.has(r.node)) result.push({ ...r, write: false, facts });
    }
    return result;
  }

  /** A constructor sets up its own object before anyone else can see it; a module's top level runs once, first. */
  private initialises(facts: FunctionFacts, guarded: GuardedState): boolean {
    const node = facts.info.node;
    if (ts.isConstructorDeclaration(node)) return node.parent === guarded.declaration.parent;
    return ts.isSourceFile(node) && node === guarded.declaration.getSourceFile();
  }

  /** Whether `lock` is held at a point of `facts`: seen held on every path, or assumed on entry. */
  private holding(facts: FunctionFacts, held: readonly HeldLock[], lock: string): Holding | undefined {
    // A keyed family (`@guardedBy locks` for an AsyncLock) is held when any of its keys is.
    const seen = held.find((h) => (h.lock.id === lock || h.lock.id.startsWith(`${lock}[`)) && h.definite);
    if (seen) return { by: 'held', held: seen };
    const key = facts.info.key;
    if (this.assumed(key).has(lock) || this.must.get(key)?.has(lock)) return { by: 'assumed' };
    return undefined;
  }

  /** What a function may take for granted: the locks it `@requires` or `@releases`, and those of the function it runs inside, in place. */
  private assumed(key: string): Set<string> {
    const cached = this.assumedCache.get(key);
    if (cached) return cached;
    const own = new Set<string>();
    this.assumedCache.set(key, own);
    for (const annotation of this.annotations.functions.get(key) ?? []) {
      if (annotation.kind !== 'requires' && annotation.kind !== 'releases') continue;
      for (const ref of annotation.refs) if (ref.id && ref.paramIndex === undefined) own.add(ref.id);
    }
    const inline = this.analysis.functions.get(key)?.inlineArgumentOf;
    if (inline && this.runsInPlace(inline.enclosing, inline.call)) {
      for (const id of this.assumed(inline.enclosing)) own.add(id);
    }
    return own;
  }

  /** A callback that runs before the call that receives it returns (array methods, lock APIs, user helpers). */
  private runsInPlace(enclosing: string, call: ts.Node): boolean {
    const site = this.analysis.facts.get(enclosing)?.calls.find((c) => c.node === call);
    if (!site) return false;
    const external = site.external;
    if (external?.kind === 'callback-api') return external.timing === 'immediate';
    if (external?.kind === 'lock-op') return external.op.kind === 'run-callback';
    return site.targets.length > 0;
  }

  private unguarded(access: Access, guarded: GuardedState, lock: string): RuleReport {
    const fn = displayName(this.analysis, access.facts.info.key);
    const trace: TraceStep[] = [
      step(this.analysis, guarded.annotation.tag, `${guarded.name} is guarded by ${lock}`),
      ...this.callerWithout(access.facts, lock),
      step(this.analysis, access.node, `${access.write ? 'written' : 'read'} here without ${lock}`),
    ];
    return {
      node: access.node,
      messageId: access.write ? 'unguardedWrite' : 'unguardedRead',
      data: { fn, state: access.state.replace(/\[\]$/, ''), lock, name: guarded.annotation.refs[0]!.written },
      lock,
      trace,
    };
  }

  /** One caller that calls the function without the lock, to show why "every caller holds it" failed. */
  private callerWithout(facts: FunctionFacts, lock: string): TraceStep[] {
    const site = (this.analysis.callers.get(facts.info.key) ?? []).find(
      (s) => !s.held.some((h) => h.lock.id === lock && h.definite) && !this.must.get(s.caller)?.has(lock),
    );
    return site ? [step(this.analysis, site.node, `${displayName(this.analysis, site.caller)} calls ${displayName(this.analysis, facts.info.key)} without ${lock}`)] : [];
  }

  /** G4: the guard of `b.count` is `b.mu`; holding `a.mu` is the right lock of the wrong object. */
  private wrongInstance(access: Access, guarded: GuardedState, held: HeldLock): RuleReport | undefined {
    const lockExpression = lockExpressionOf(held.acquiredAt);
    const receiver = accessReceiver(access.node, guarded.name);
    if (!lockExpression || !receiver) return undefined;
    if (!differentObjects(this.analysis.checker, stripExpression(lockExpression.expression), receiver)) return undefined;
    const heldText = lockExpression.getText();
    const expected = `${receiver.getText()}.${lockExpression.name.text}`;
    return {
      node: access.node,
      messageId: 'wrongInstance',
      data: { access: `${receiver.getText()}.${guarded.name}`, expected, held: heldText },
      lock: held.lock.id,
      trace: [heldStep(this.analysis, held), step(this.analysis, access.node, `${access.write ? 'writes' : 'reads'} ${receiver.getText()}.${guarded.name}, guarded by ${expected}`)],
    };
  }

  /** G2: a guarded object handed out of the region it was read in (returned, or stored in a variable outside it). */
  private escape(access: Access, guarded: GuardedState, lock: string, held: HeldLock): RuleReport | undefined {
    if (held.via !== 'acquire' && held.via !== 'callback') return undefined;
    const how = escapeOf(this.analysis, access.node, access.facts);
    if (!how || isPrimitive(this.analysis.checker, access.node)) return undefined;
    const text = access.node.getText();
    return {
      node: access.node,
      messageId: 'guardedEscape',
      data: { access: text, lock, how, copy: `\`[...${text}]\`` },
      lock,
      trace: [heldStep(this.analysis, held), step(this.analysis, access.node, `${guarded.name} leaves the region ${how}`)],
    };
  }

  // ------------------------------------------------------------ calls to annotated functions

  callReports(): RuleReport[] {
    const reports: RuleReport[] = [];
    // reported at the call, or at an argument of it
    for (const facts of factsInScope(this.analysis, this.scope)) {
      for (const site of facts.calls) {
        for (const target of site.targets) {
          const annotations = this.annotations.functions.get(target);
          if (annotations) reports.push(...this.checkCall(facts, site, target, annotations));
        }
      }
    }
    return reports;
  }

  private checkCall(facts: FunctionFacts, site: CallSite, target: string, annotations: Annotation[]): RuleReport[] {
    const callee = displayName(this.analysis, target);
    const subsystems = this.crossing(facts.info.key, target);
    const reports: RuleReport[] = [];
    const required = annotations.filter((a) => a.kind === 'requires' || a.kind === 'releases');
    const mismatch = this.scopeMismatch(site, target, required);
    if (mismatch) return [mismatch];
    for (const annotation of required) {
      for (const ref of annotation.refs) {
        const lock = this.lockAtCall(ref, site);
        if (!lock) continue;
        const holding = this.holding(facts, site.held, lock);
        const wrong = holding?.by === 'held' && this.callOnOtherObject(site, holding.held);
        if (holding && !wrong) continue;
        reports.push({
          node: site.node,
          messageId: 'requiresNotHeld',
          data: { callee, lock, tag: annotation.kind, name: ref.written },
          lock,
          subsystems,
          trace: [
            ...this.callerWithout(facts, lock),
            step(this.analysis, site.node, `calls ${callee} without ${lock}`),
            step(this.analysis, annotation.tag, `${callee} is annotated @${annotation.kind} ${ref.written}`),
          ],
        });
      }
    }
    for (const annotation of annotations.filter((a) => a.kind === 'excludes')) {
      for (const ref of annotation.refs) {
        const lock = this.lockAtCall(ref, site);
        if (!lock) continue;
        // What callers hold is `transitiveExcludes`' business: it reports at the call that holds the lock.
        const held = site.held.find((h) => h.lock.id === lock);
        const assumed = this.assumed(facts.info.key).has(lock);
        if ((!held && !assumed) || (held && this.callOnOtherObject(site, held))) continue;
        reports.push({
          node: site.node,
          messageId: 'excludedHeld',
          data: { callee, lock, name: ref.written, through: '' },
          lock,
          subsystems,
          trace: [
            ...(held ? [heldStep(this.analysis, held)] : []),
            step(this.analysis, site.node, `calls ${callee} with ${lock} held`),
            step(this.analysis, annotation.tag, `${callee} is annotated @excludes ${ref.written}`),
          ],
        });
      }
    }
    return reports;
  }

  /** The two subsystems a call connects, when they differ: the caller's and the annotated callee's. */
  private crossing(caller: string, callee: string): { from: string; to: string } | undefined {
    const from = this.analysis.functions.get(caller)?.subsystem;
    const to = this.analysis.functions.get(callee)?.subsystem;
    return from && to && from !== to ? { from, to } : undefined;
  }

  /** The lock identity a reference stands for at a call: a parameter lock is what the caller passes. */
  private lockAtCall(ref: LockRef, site: CallSite): string | undefined {
    if (ref.paramIndex === undefined) return ref.id;
    return site.lockArgs.find((a) => a.argIndex === ref.paramIndex)?.lock.id;
  }

  /** `acct.withdrawImpl()` while holding `this.mu`: the callee's guard is `acct.mu`. */
  private callOnOtherObject(site: CallSite, held: HeldLock): boolean {
    const lockExpression = lockExpressionOf(held.acquiredAt);
    const receiver = callReceiver(site.node);
    return !!lockExpression && !!receiver && differentObjects(this.analysis.checker, stripExpression(lockExpression.expression), receiver);
  }

  /** P2: a `@requires muA` function handed the releaser (guard) of `muB`. */
  private scopeMismatch(site: CallSite, target: string, required: Annotation[]): RuleReport | undefined {
    const expected = required.flatMap((a) => a.refs.filter((r) => r.id !== undefined && r.paramIndex === undefined));
    if (expected.length === 0) return undefined;
    const fn = this.analysis.functions.get(target)?.node;
    if (!fn || ts.isSourceFile(fn)) return undefined;
    for (const arg of site.lockArgs) {
      if (arg.what === 'lock' || expected.some((r) => r.id === arg.lock.id)) continue;
      const parameter = fn.parameters[arg.argIndex];
      if (!parameter || !ts.isIdentifier(parameter.name)) continue;
      const callee = displayName(this.analysis, target);
      const want = expected.map((r) => r.written).join("', '");
      return {
        node: arg.node,
        messageId: 'wrongScope',
        data: { param: parameter.name.text, actual: shortName(arg.lock.id), expected: want, callee },
        lock: arg.lock.id,
        trace: [
          step(this.analysis, arg.node, `passes the ${arg.what} of ${arg.lock.id} as '${parameter.name.text}'`),
          step(this.analysis, required[0]!.tag, `${callee} requires ${want}`),
        ],
      };
    }
    return undefined;
  }

  /**
   * D6: an `@excludes mu` function reached with `mu` held through calls that carry no
   * annotation. Walks the reverse call graph from the annotated function; every call that holds
   * the lock ends a path (the direct calls are `checkCall`'s).
   */
  transitiveExcludes(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const [key, annotations] of this.annotations.functions) {
      for (const annotation of annotations.filter((a) => a.kind === 'excludes')) {
        for (const ref of annotation.refs) {
          if (ref.id && ref.paramIndex === undefined) reports.push(...this.excludedThrough(key, annotation, ref, ref.id));
        }
      }
    }
    return reports;
  }

  private excludedThrough(key: string, annotation: Annotation, ref: LockRef, lock: string): RuleReport[] {
    const callee = displayName(this.analysis, key);
    const reports: RuleReport[] = [];
    const visited = new Set([key]);
    // Each entry: a function that reaches the annotated one, and the calls from it down to it.
    let frontier: { fn: string; path: CallSite[] }[] = [{ fn: key, path: [] }];
    for (let depth = 0; depth < MAX_CHAIN && frontier.length; depth++) {
      const next: typeof frontier = [];
      for (const { fn, path } of frontier) {
        for (const site of this.analysis.callers.get(fn) ?? []) {
          const chain = [site, ...path];
          const held = site.held.find((h) => h.lock.id === lock);
          const holds = !!held || this.assumed(site.caller).has(lock);
          if (holds && chain.length > 1) {
            const entered = chain.map((_, i) => (i === chain.length - 1 ? key : chain[i + 1]!.caller));
            const names = entered.map((k) => `\`${displayName(this.analysis, k)}\``);
            reports.push({
              node: site.node,
              messageId: 'excludedHeld',
              data: { callee, lock, name: ref.written, through: ` (through ${names.join(' → ')})` },
              lock,
              subsystems: this.crossing(site.caller, key),
              trace: [
                ...(held ? [heldStep(this.analysis, held)] : []),
                ...chain.map((c, i) => step(this.analysis, c.node, `calls ${displayName(this.analysis, entered[i]!)}`)),
                step(this.analysis, annotation.tag, `${callee} is annotated @excludes ${ref.written}`),
              ],
            });
          }
          if (holds || visited.has(site.caller)) continue;
          visited.add(site.caller);
          next.push({ fn: site.caller, path: chain });
        }
      }
      frontier = next;
    }
    return reports;
  }

  // ------------------------------------------------------------ @acquires / @releases contracts

  contractReports(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const [key, annotations] of this.annotations.functions) {
      const facts = this.analysis.facts.get(key);
      const summary = this.analysis.summaries.get(key);
      if (!facts || !summary || !inScope(this.scope, facts.info.node)) continue;
      const fn = displayName(this.analysis, key);
      for (const annotation of annotations) {
        for (const ref of annotation.refs) {
          if (!ref.id) continue;
          const same = (l: { id: string; paramIndex?: number }) => l.id === ref.id || (ref.paramIndex !== undefined && l.paramIndex === ref.paramIndex);
          if (annotation.kind === 'acquires') {
            const kept = summary.heldOnExit.some(same) || (summary.returnsLockValue !== undefined && same(summary.returnsLockValue.lock));
            if (!kept) reports.push(this.contract('acquiresNotHeld', annotation, ref, fn, facts));
          }
          if (annotation.kind === 'releases') {
            const released = summary.releasedOnExit.some(same) || facts.lockOps.some((op) => op.op.kind === 'release' && same(op.op.lock));
            if (!released) reports.push(this.contract('releasesNotReleased', annotation, ref, fn, facts));
          }
        }
      }
    }
    return reports;
  }

  private contract(messageId: string, annotation: Annotation, ref: LockRef, fn: string, facts: FunctionFacts): RuleReport {
    const exit = facts.exits[0]?.node ?? facts.info.node;
    return {
      node: annotation.tag,
      messageId,
      data: { fn, name: ref.written, lock: ref.id! },
      lock: ref.id,
      trace: [step(this.analysis, annotation.tag, `@${annotation.kind} ${ref.written}`), step(this.analysis, exit, `${fn} returns here`)],
    };
  }

  // ------------------------------------------------------------ G3: inferred guards

  inferredGuards(): RuleReport[] {
    const byState = new Map<string, { access: Access; locks: Set<string> }[]>();
    // a guard is inferred from every access of the program
    for (const access of this.accesses(this.analysis.facts.values())) {
      const state = baseState(access.state);
      if (this.annotations.guarded.has(state) || isCapturedLocal(state) || this.setsUp(access.facts)) continue;
      const locks = new Set(access.held.filter((h) => h.definite && h.lock.paramIndex === undefined).map((h) => h.lock.id));
      for (const id of this.assumed(access.facts.info.key)) locks.add(id);
      for (const id of this.must.get(access.facts.info.key) ?? []) locks.add(id);
      const list = byState.get(state) ?? [];
      list.push({ access, locks });
      byState.set(state, list);
    }
    const reports: RuleReport[] = [];
    for (const [state, list] of byState) {
      if (list.length < this.options.inferMinAccesses) continue;
      const counts = new Map<string, number>();
      for (const { locks } of list) for (const id of locks) counts.set(id, (counts.get(id) ?? 0) + 1);
      const [lock, guarded] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [];
      if (!lock || guarded === undefined || guarded === list.length || guarded / list.length < this.options.inferThreshold) continue;
      const percent = Math.round((guarded / list.length) * 100);
      const example = list.find((e) => e.locks.has(lock))!.access;
      for (const { access, locks } of list) {
        if (locks.has(lock)) continue;
        reports.push({
          node: access.node,
          messageId: 'inferredGuard',
          data: { state, lock, percent, guarded, total: list.length },
          lock,
          trace: [
            step(this.analysis, example.node, `${state} accessed under ${lock} here (and in ${guarded - 1} other places)`),
            step(this.analysis, access.node, `${access.write ? 'written' : 'read'} here without ${lock}`),
          ],
        });
      }
    }
    return reports;
  }

  private setsUp(facts: FunctionFacts): boolean {
    return ts.isConstructorDeclaration(facts.info.node) || ts.isSourceFile(facts.info.node);
  }
}

/** `Class#items[]` (an entry) is guarded by the guard of `Class#items`. */
function baseState(state: string): string {
  return state.replace(/(\[\])+$/, '');
}

function isCapturedLocal(state: string): boolean {
  return state.slice(state.indexOf('#') + 1).includes(':');
}

function shortName(id: string): string {
  return id.slice(id.lastIndexOf('#') + 1);
}

/** How a read reference leaves the function it was read in: returned, or assigned to a variable declared outside it. */
function escapeOf(analysis: Analysis, node: ts.Node, facts: FunctionFacts): string | undefined {
  let current = node;
  while (
    ts.isParenthesizedExpression(current.parent) ||
    ts.isAsExpression(current.parent) ||
    ts.isNonNullExpression(current.parent) ||
    ts.isSatisfiesExpression(current.parent) ||
    ts.isAwaitExpression(current.parent)
  ) {
    current = current.parent;
  }
  const parent = current.parent;
  if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === current)) return 'as the return value';
  if (ts.isBinaryExpression(parent) && parent.right === current && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const target = stripExpression(parent.left);
    if (!ts.isIdentifier(target)) return undefined;
    const declaration = symbolAt(analysis.checker, target)?.valueDeclaration;
    if (declaration && !isWithin(declaration, facts.info.node)) return `through \`${target.text}\``;
  }
  return undefined;
}

function isPrimitive(checker: ts.TypeChecker, node: ts.Node): boolean {
  const type = checker.getTypeAtLocation(node);
  const primitive =
    ts.TypeFlags.NumberLike | ts.TypeFlags.StringLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.EnumLike;
  const parts = type.isUnion() ? type.types : [type];
  return parts.every((t) => (t.flags & primitive) !== 0);
}
