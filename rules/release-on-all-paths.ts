import ts from 'typescript';
import {
  factsInScope,
  factsOfFile,
  inScope,
  isWithin,
  programAnnotations,
  protectionOf,
  stripExpression,
  symbolAt,
  throwPointsOf,
  tryStatementsOf,
  type Analysis,
  type FileScope,
  type FunctionFacts,
  type HeldLock,
  type HeldRegion,
  type LockIdentity,
  type LockOpSite,
  type ProgramAnnotations,
  type ThrowPoint,
  type TraceStep,
} from '@lockwise/analyzer';
import { wrapInTryFinally } from './support/release-on-all-paths-fix.js';
import {
  conditional,
  disposedByUsing,
  enclosingLoop,
  isReturned,
  jumpTarget,
  releaserSymbols,
  returnsMention,
  testedIn,
} from './support/release-on-all-paths-syntax.js';
import { defineRule, type RuleReport } from './support/rule.js';
import { displayName, step } from './support/trace.js';

export interface Options {
  /** Report a function that returns with a lock it took still held, unless it says `@acquires`. */
  requireAcquiresAnnotation: boolean;
  /** Report a release of a lock the function never takes, unless it says `@releases`. */
  requireReleasesAnnotation: boolean;
}

/** A lock taken by a function's own code (or through one of its acquire wrappers), with its releases. */
interface Acquisition {
  facts: FunctionFacts;
  region: HeldRegion;
  lock: LockIdentity;
}

/**
 * A lock that is not given back on some path: a throw, an early `return`, a `break`/`continue`,
 * one branch; a release that runs twice, without the acquire, or before it; a try-acquire whose
 * result is ignored. Only locks released by hand are checked: a region run as a callback
 * (`runExclusive`, `navigator.locks.request`) or an `await using` scope ends by itself.
 */
export default defineRule<Options>({
  name: 'release-on-all-paths',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require every manually acquired lock to be released exactly once on every path, including throws',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      releaseSkippedOnThrow:
        'Lock `{{lock}}` acquired here stays held if {{thrower}} throws (line {{throwLine}}): the release at line {{releaseLine}} is not in a `finally`.',
      workBeforeTry:
        'Lock `{{lock}}` acquired here stays held if {{thrower}} throws (line {{throwLine}}): it runs before the `try` whose `finally` releases the lock. Move it into the `try`.',
      notReleasedOnPath: 'Lock `{{lock}}` acquired here is not released on every path: {{path}} leaves `{{fn}}` with it held.',
      heldAtExit:
        'Lock `{{lock}}` acquired here is never released in `{{fn}}`. Release it, or annotate `{{fn}}` with `@acquires {{name}}` if its caller releases it.',
      loopNotHeld:
        'Lock `{{lock}}` acquired here is expected to be held at the start of each loop iteration, but {{path}} starts the next iteration without it: the release at line {{releaseLine}} then runs on a lock that is not held.',
      releaseMaybeUnheld:
        'Lock `{{lock}}` acquired here can be released twice: the release at line {{releaseLine}} also runs on a path where the release at line {{releasedLine}} already ran.',
      doubleRelease: 'Lock `{{lock}}` acquired here is released twice: at line {{releasedLine}} and again at line {{releaseLine}}.',
      releaseUnheld: 'Lock `{{lock}}` acquired here is released at line {{releaseLine}}, where it is not held.',
      releaseBeforeAcquire:
        'Lock `{{lock}}` is acquired here, inside the `try` whose `finally` releases it (line {{releaseLine}}): if {{reason}} before it, the `finally` releases a lock that was never taken. Acquire it before the `try`.',
      releaseWithoutAcquire:
        '`{{fn}}` releases `{{lock}}`, which it never acquires. Annotate it with `@releases {{name}}` if its callers hand it the lock.',
      uncheckedTryAcquire: 'The result of `{{api}}` is not checked: the code after it runs whether or not `{{lock}}` was acquired.',
      droppedAcquire:
        'The promise of `{{api}}` is dropped: nothing is held here, and when `{{lock}}` is acquired later it is never released. Await it.',
      wrapInTryFinally: 'Wrap the region in `try { … } finally { {{release}}; }`.',
    },
    schema: {
      type: 'object',
      properties: {
        requireAcquiresAnnotation: { type: 'boolean' },
        requireReleasesAnnotation: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    defaultOptions: { requireAcquiresAnnotation: true, requireReleasesAnnotation: true },
    hasSuggestions: true,
  },
  check(analysis, options, scope) {
    const lifecycle = new Lifecycle(analysis, options, scope);
    return [
      ...lifecycle.acquisitionReports(),
      ...lifecycle.releaseWithoutAcquireReports(),
      ...lifecycle.tryAcquireReports(),
      ...lifecycle.droppedAcquireReports(),
    ];
  },
});

const TRY_OPTIONS = /^(ifAvailable)$/;

class Lifecycle {
  private readonly annotations: ProgramAnnotations;
  private readonly acquisitions: Acquisition[] = [];
  private readonly byStart = new Map<ts.Node, Acquisition>();
  private readonly isAsync = (key: string) => this.analysis.functions.get(key)?.isAsync ?? false;

  constructor(
    private readonly analysis: Analysis,
    private readonly options: Options,
    /** Reports are wanted in these files only; releases are still matched across the program. */
    private readonly scope: FileScope | undefined,
  ) {
    this.annotations = programAnnotations(analysis);
    // An acquisition is reported at its acquire and released in its own function: only the
    // scope's files matter, and what is looked up elsewhere is in the acquiring function's file.
    for (const facts of factsInScope(analysis, scope)) {
      for (const region of facts.regions) {
        if (region.kind !== 'acquire-release' || region.function !== facts.info.key || isSelf(region.lock)) continue;
        const acquisition = { facts, region, lock: region.lock };
        this.acquisitions.push(acquisition);
        this.byStart.set(region.start, acquisition);
      }
    }
  }

  // ------------------------------------------------------------ acquisitions

  /**
   * One finding per acquisition, at the acquire, for the first problem in this order: a normal
   * path that leaves with the lock, a release that runs twice or unheld, a throw that skips the
   * release, a `finally` that releases before the acquire.
   */
  acquisitionReports(): RuleReport[] {
    const unprotected = this.firstUnprotectedThrows();
    const reports: RuleReport[] = [];
    for (const acquisition of this.checked()) {
      const thrown = unprotected.get(acquisition);
      const report =
        this.exitReport(acquisition) ??
        this.releaseReport(acquisition) ??
        (thrown && acquisition.region.releases.length > 0 ? this.throwReport(acquisition, thrown) : undefined) ??
        this.releaseBeforeAcquireReport(acquisition);
      if (report) reports.push(report);
    }
    return reports;
  }

  /** Acquisitions this rule answers for: not handed to someone else, not held on purpose. */
  private checked(): Acquisition[] {
    this.checkedCache ??= this.acquisitions.filter((a) => inScope(this.scope, a.region.start) && !this.handedOff(a) && !this.acquiresOnPurpose(a) && !this.keptByWrapper(a));
    return this.checkedCache;
  }

  private checkedCache: Acquisition[] | undefined;

  /**
   * A lock taken through a call to a function that returns with it held: the caller answers for
   * it only when the callee says so (`@acquires`) or hands back the releaser. Otherwise the callee
   * kept it on purpose (stored the releaser somewhere) and is itself the place to look.
   */
  private keptByWrapper({ facts, region, lock }: Acquisition): boolean {
    if (facts.lockOps.some((op) => op.node === region.start)) return false;
    const site = facts.calls.find((c) => c.node === region.start);
    if (!site || site.targets.length === 0) return false;
    return !site.targets.some((t) => this.analysis.wrappers.get(t)?.returns !== undefined || this.annotated(t, 'acquires', lock));
  }

  /**
   * Ownership moved elsewhere: the releaser is returned (alone or inside an object such as a
   * disposable), stored, passed out, or released by a closure; or a `using` declaration disposes it.
   */
  private handedOff({ facts, region, lock }: Acquisition): boolean {
    const id = lock.id;
    if (facts.returns.some((r) => r.lock.id === id)) return true;
    if (disposedByUsing(region.start)) return true;
    const names = releaserSymbols(this.analysis.checker, region.start);
    if (names.length && returnsMention(this.analysis.checker, facts.info.node, names)) return true;
    if (facts.stores.some((s) => s.values.some((v) => v.lock.id === id) && !this.isLocal(s.target, facts))) return true;
    // A release wrapper's call was already applied by the walk; any other call that receives the
    // releaser or handle may release it (that hand-over is `no-lock-passing`'s business, not a leak).
    const passedOut = facts.calls.some(
      (call) => call.external?.kind !== 'lock-op' && call.lockArgs.some((arg) => arg.lock.id === id && arg.what !== 'lock'),
    );
    if (passedOut || this.enclosingAcquires(facts, lock)) return true;
    return this.factsInFile(facts.info.sourceFile).some(
      (nested) =>
        nested !== facts &&
        isWithin(nested.info.node, facts.info.node) &&
        nested.lockOps.some((op) => op.op.kind === 'release' && op.op.lock.id === id && !op.held.some((h) => h.lock.id === id)),
    );
  }

  /** Functions per file: nested closures live in their enclosing function's file. */
  private factsInFile(file: ts.SourceFile): readonly FunctionFacts[] {
    return factsOfFile(this.analysis, file);
  }

  /** `r = await mu.acquire()` into a variable of the function itself keeps the releaser at home. */
  private isLocal(target: ts.Expression, facts: FunctionFacts): boolean {
    const e = stripExpression(target);
    if (!ts.isIdentifier(e)) return false;
    const declaration = symbolAt(this.analysis.checker, e)?.valueDeclaration;
    return !!declaration && isWithin(declaration, facts.info.node) && this.analysis.functionAt(declaration) === facts.info;
  }

  private acquiresOnPurpose({ facts, lock }: Acquisition): boolean {
    return this.annotated(facts.info.key, 'acquires', lock);
  }

  private annotated(key: string, kind: 'acquires' | 'releases', lock: LockIdentity): boolean {
    return (this.annotations.functions.get(key) ?? []).some(
      (a) => a.kind === kind && (a.refs.length === 0 || a.refs.some((r) => r.id === lock.id || (r.paramIndex !== undefined && r.paramIndex === lock.paramIndex))),
    );
  }

  private exitReport(acquisition: Acquisition): RuleReport | undefined {
    const { facts, region, lock } = acquisition;
    const holding = facts.exits.filter((exit) => exit.held.some((h) => h.acquiredAt === region.start));
    if (holding.length === 0) return undefined;
    const fn = displayName(this.analysis, facts.info.key);
    const acquired = step(this.analysis, region.start, `${lock.id} acquired here`);
    if (region.releases.length === 0) {
      if (!this.options.requireAcquiresAnnotation) return undefined;
      return {
        node: region.start,
        messageId: 'heldAtExit',
        data: { lock: lock.id, fn, name: shortName(lock.id) },
        lock: lock.id,
        trace: [acquired, step(this.analysis, holding[0]!.node, `${fn} returns with ${lock.id} still held`)],
      };
    }
    const path = this.leakPath(acquisition, holding.map((h) => h.node));
    const trace: TraceStep[] = [acquired, step(this.analysis, path.node, `leaves ${fn} with ${lock.id} held`)];
    return { node: region.start, messageId: 'notReleasedOnPath', data: { lock: lock.id, fn, path: path.text }, lock: lock.id, trace };
  }

  /** The statement that leaves with the lock: an early `return`, a jump out of the acquiring loop, else the branch that skips the release. */
  private leakPath({ facts, region }: Acquisition, exits: ts.Node[]): { node: ts.Node; text: string } {
    const early = exits.find((node) => ts.isReturnStatement(node));
    if (early) return { node: early, text: `the \`return\` at line ${this.line(early)}` };
    const jump = facts.jumps.find((j) => j.held.some((h) => h.acquiredAt === region.start) && isWithin(region.start, jumpTarget(j.node) ?? j.node));
    if (jump) return { node: jump.node, text: `the \`${ts.isBreakStatement(jump.node) ? 'break' : 'continue'}\` at line ${this.line(jump.node)}` };
    return { node: exits[0]!, text: `the path that skips the release at line ${this.line(region.releases[0]!)}` };
  }

  /** Per acquisition, the first point that throws with it held and no `finally` (or `catch`) releasing it on the way out. */
  private firstUnprotectedThrows(): Map<Acquisition, ThrowPoint> {
    const result = new Map<Acquisition, ThrowPoint>();
    // a lock is held at a throw only in the function that took it and the closures inside it: one file
    for (const facts of factsInScope(this.analysis, this.scope)) {
      for (const point of throwPointsOf(facts, this.isAsync)) {
        for (const held of point.held) {
          const acquisition = this.acquisitionOf(held);
          // The release itself (a call of a release wrapper) gives the lock back whatever it does next.
          if (!acquisition || result.has(acquisition) || acquisition.region.releases.includes(point.node)) continue;
          const releases = (block: ts.Block) => this.releasesWithin(acquisition, block);
          if (!protectionOf(point.node, acquisition.facts.info.node, releases)) result.set(acquisition, point);
        }
      }
    }
    return result;
  }

  private acquisitionOf(held: HeldLock): Acquisition | undefined {
    return held.via === 'acquire' || held.via === 'wrapper' ? this.byStart.get(held.acquiredAt) : undefined;
  }

  private releasesWithin({ facts, region, lock }: Acquisition, block: ts.Node): boolean {
    return (
      region.releases.some((r) => isWithin(r, block)) ||
      facts.lockOps.some((op) => op.op.kind === 'release' && op.op.lock.id === lock.id && isWithin(op.node, block))
    );
  }

  private throwReport(acquisition: Acquisition, thrown: ThrowPoint): RuleReport {
    const { facts, region, lock } = acquisition;
    const releaseLine = this.line(region.releases[0]!);
    const trace: TraceStep[] = [
      step(this.analysis, region.start, `${lock.id} acquired here`),
      step(this.analysis, thrown.node, `${thrown.what} may throw here, with ${lock.id} held`),
      step(this.analysis, region.releases[0]!, 'the release is skipped'),
    ];
    const laterTry = tryStatementsOf(facts.info.node).find(
      (t) => t.finallyBlock && this.releasesWithin(acquisition, t.finallyBlock) && t.getStart() >= region.start.end && thrown.node.end <= t.getStart(),
    );
    if (laterTry) {
      return {
        node: region.start,
        messageId: 'workBeforeTry',
        data: { lock: lock.id, thrower: thrown.what, throwLine: this.line(thrown.node) },
        lock: lock.id,
        trace: [...trace.slice(0, 2), step(this.analysis, laterTry, `the try whose finally releases ${lock.id} starts only here`)],
      };
    }
    const suggestion = wrapInTryFinally(this.analysis, region);
    return {
      node: region.start,
      messageId: 'releaseSkippedOnThrow',
      data: { lock: lock.id, thrower: thrown.what, throwLine: this.line(thrown.node), releaseLine },
      lock: lock.id,
      trace,
      suggestions: suggestion ? [suggestion] : undefined,
    };
  }

  /**
   * `let r; try { …; r = await mu.acquire(); … } finally { r(); }`: the finally also runs when
   * the acquire never happened. Not when the lock is already taken before the `try` (a drop and
   * re-take inside it), nor when the release checks for itself (`r?.()`).
   */
  private releaseBeforeAcquireReport(acquisition: Acquisition): RuleReport | undefined {
    const { facts, region, lock } = acquisition;
    for (const release of region.releases) {
      const statement = tryStatementsOf(facts.info.node).find(
        (t) => t.finallyBlock && isWithin(release, t.finallyBlock) && isWithin(region.start, t.tryBlock),
      );
      if (!statement || conditional(release, statement.finallyBlock!)) continue;
      const takenBefore = this.acquisitions.some((a) => a.facts === facts && a.lock.id === lock.id && a.region.start.end <= statement.getStart());
      if (takenBefore) continue;
      const before = throwPointsOf(facts, this.isAsync, true).find(
        (p) => isWithin(p.node, statement.tryBlock) && p.node.end <= region.start.getStart(),
      );
      const reason = before ? `${before.what} throws` : 'the acquire itself fails (a timeout, a cancel)';
      return {
        node: region.start,
        messageId: 'releaseBeforeAcquire',
        data: { lock: lock.id, reason, releaseLine: this.line(release) },
        lock: lock.id,
        trace: [
          ...(before ? [step(this.analysis, before.node, `${before.what} may throw before the lock is taken`)] : []),
          step(this.analysis, region.start, `${lock.id} is acquired only here`),
          step(this.analysis, release, `the finally releases ${lock.id} on every path`),
        ],
      };
    }
    return undefined;
  }

  // ------------------------------------------------------------ releases

  /**
   * The first release per function and lock that runs when the lock may not be held, under the
   * acquisition it belongs to. Later ones in the same function are usually the same mistake seen
   * again (the release after a loop whose iterations disagree): one finding is enough.
   */
  private releaseIssues(): Map<Acquisition, LockOpSite> {
    if (this.issues) return this.issues;
    this.issues = new Map();
    this.orphans = [];
    // a release belongs to an acquisition of its own function, and is reported there or at itself
    for (const facts of factsInScope(this.analysis, this.scope)) {
      const seen = new Set<string>();
      for (const op of facts.lockOps) {
        if (op.op.kind !== 'release' || isSelf(op.op.lock)) continue;
        if (op.held.some((h) => h.lock.id === op.op.lock.id && h.definite)) continue;
        // An unchecked try-acquire is reported as such; its release is not a second finding.
        if (facts.lockOps.some((o) => o.op.kind === 'try-acquire' && o.op.lock.id === op.op.lock.id)) continue;
        const owner = this.ownerOf(facts, op);
        if (!owner) this.orphans.push({ facts, op });
        else if (!seen.has(op.op.lock.id)) this.issues.set(owner, op);
        seen.add(op.op.lock.id);
      }
    }
    return this.issues;
  }

  private issues: Map<Acquisition, LockOpSite> | undefined;
  private orphans: { facts: FunctionFacts; op: LockOpSite }[] = [];

  /** The acquisition a release belongs to: the last one of its lock before it in the same function, else the first. */
  private ownerOf(facts: FunctionFacts, op: LockOpSite): Acquisition | undefined {
    const own = this.acquisitions.filter((a) => a.facts === facts && a.lock.id === op.op.lock.id);
    const before = own.filter((a) => a.region.start.end <= op.node.getStart());
    return before[before.length - 1] ?? own[0];
  }

  private releaseReport(acquisition: Acquisition): RuleReport | undefined {
    const op = this.releaseIssues().get(acquisition);
    if (!op) return undefined;
    const { facts, region, lock } = acquisition;
    const acquired = step(this.analysis, region.start, `${lock.id} acquired here`);
    const releaseLine = this.line(op.node);
    const maybe = op.held.some((h) => h.lock.id === lock.id);
    const loop = maybe ? enclosingLoop(op.node, facts.info.node) : undefined;
    if (loop && region.start.end <= loop.getStart()) {
      const skip = facts.jumps.find(
        (j) => ts.isContinueStatement(j.node) && jumpTarget(j.node) === loop && !j.held.some((h) => h.lock.id === lock.id),
      );
      const path = skip ? `the \`continue\` at line ${this.line(skip.node)}` : 'the end of the loop body';
      return {
        node: region.start,
        messageId: 'loopNotHeld',
        data: { lock: lock.id, path, releaseLine },
        lock: lock.id,
        trace: [
          step(this.analysis, region.start, `${lock.id} acquired here, before the loop`),
          ...(skip ? [step(this.analysis, skip.node, `starts the next iteration without ${lock.id}`)] : []),
          step(this.analysis, op.node, 'released here at the start of an iteration'),
        ],
      };
    }
    const previous = this.previousRelease(facts, op);
    if (!previous) {
      return {
        node: region.start,
        messageId: 'releaseUnheld',
        data: { lock: lock.id, releaseLine },
        lock: lock.id,
        trace: [acquired, step(this.analysis, op.node, `${lock.id} is not held here`)],
      };
    }
    return {
      node: region.start,
      messageId: maybe ? 'releaseMaybeUnheld' : 'doubleRelease',
      data: { lock: lock.id, releaseLine, releasedLine: this.line(previous.node) },
      lock: lock.id,
      trace: [acquired, step(this.analysis, previous.node, 'released here'), step(this.analysis, op.node, 'released again here')],
    };
  }

  /** Releases with no acquisition of their lock in their function, and no annotation or closure to explain them. */
  releaseWithoutAcquireReports(): RuleReport[] {
    this.releaseIssues();
    const reports: RuleReport[] = [];
    if (!this.options.requireReleasesAnnotation) return reports;
    for (const { facts, op } of this.orphans) {
      const lock = op.op.lock;
      if (op.held.some((h) => h.lock.id === lock.id)) continue;
      if (this.annotated(facts.info.key, 'releases', lock) || this.enclosingAcquires(facts, lock) || this.handedToCallback(facts, lock)) continue;
      const fn = displayName(this.analysis, facts.info.key);
      reports.push({
        node: op.node,
        messageId: 'releaseWithoutAcquire',
        data: { fn, lock: lock.id, name: shortName(lock.id) },
        lock: lock.id,
        trace: [step(this.analysis, op.node, `${fn} releases ${lock.id} without acquiring it`)],
      });
    }
    return reports;
  }

  /**
   * A closure inside a function that takes the lock, or inside a region of it (`runExclusive`'s
   * callback): releasing or re-taking it there is the enclosing region's business — a hand-over
   * that `no-foreign-release` and `no-lock-passing` judge, not a leak.
   */
  private enclosingAcquires(facts: FunctionFacts, lock: LockIdentity): boolean {
    return this.factsInFile(facts.info.sourceFile).some(
      (outer) => outer !== facts && isWithin(facts.info.node, outer.info.node) && outer.regions.some((r) => r.lock.id === lock.id),
    );
  }

  /**
   * A releaser the lock API itself hands to a callback (`lock.acquire(key, (done) => …)`, mutexify's
   * `lock((release) => …)`): a parameter of an inline callback, released there or in a closure of it.
   */
  private handedToCallback(facts: FunctionFacts, lock: LockIdentity): boolean {
    if (lock.paramIndex === undefined) return false;
    for (const f of this.factsInFile(facts.info.sourceFile)) {
      if (f.info.inlineArgumentOf && lock.id.startsWith(`${f.info.name}(`) && isWithin(facts.info.node, f.info.node)) return true;
    }
    return false;
  }

  private previousRelease(facts: FunctionFacts, op: LockOpSite): LockOpSite | undefined {
    const earlier = facts.lockOps.filter(
      (o) => o.op.kind === 'release' && o.op.lock.id === op.op.lock.id && o.node.end <= op.node.getStart(),
    );
    return earlier[earlier.length - 1];
  }

  // ------------------------------------------------------------ try-acquire and dropped acquires

  tryAcquireReports(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const facts of factsInScope(this.analysis, this.scope)) {
      for (const op of facts.lockOps) {
        const unchecked =
          (op.op.kind === 'try-acquire' && !op.checked && !isReturned(op.node)) ||
          (op.op.kind === 'run-callback' && this.uncheckedIfAvailable(op));
        if (!unchecked) continue;
        const api = op.op.kind === 'run-callback' ? `${op.op.api}({ ifAvailable: true })` : op.op.api;
        reports.push({
          node: op.node,
          messageId: 'uncheckedTryAcquire',
          data: { api, lock: op.op.lock.id },
          lock: op.op.lock.id,
          trace: [step(this.analysis, op.node, `${api} may not acquire ${op.op.lock.id}; nothing tests whether it did`)],
        });
      }
    }
    return reports;
  }

  /** `navigator.locks.request(name, { ifAvailable: true }, (lock) => …)`: the callback gets `null` when the lock is taken. */
  private uncheckedIfAvailable(op: LockOpSite): boolean {
    const call = op.node;
    if (!ts.isCallExpression(call)) return false;
    const ifAvailable = call.arguments.some(
      (arg) =>
        ts.isObjectLiteralExpression(arg) &&
        arg.properties.some(
          (p) => ts.isPropertyAssignment(p) && TRY_OPTIONS.test(p.name.getText()) && p.initializer.kind === ts.SyntaxKind.TrueKeyword,
        ),
    );
    if (!ifAvailable) return false;
    const callback = stripExpression(call.arguments[call.arguments.length - 1] ?? call);
    if (!ts.isArrowFunction(callback) && !ts.isFunctionExpression(callback)) return false;
    const parameter = callback.parameters[0];
    if (!parameter || !ts.isIdentifier(parameter.name)) return true;
    const symbol = symbolAt(this.analysis.checker, parameter.name);
    return !symbol || !testedIn(this.analysis.checker, callback.body, symbol);
  }

  droppedAcquireReports(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const facts of factsInScope(this.analysis, this.scope)) {
      for (const op of facts.lockOps) {
        if (op.op.kind !== 'acquire' || op.awaited || !op.discarded || this.byStart.has(op.node)) continue;
        reports.push({
          node: op.node,
          messageId: 'droppedAcquire',
          data: { api: op.op.api, lock: op.op.lock.id },
          lock: op.op.lock.id,
          trace: [step(this.analysis, op.node, `the promise of ${op.op.api} is neither awaited nor kept`)],
        });
      }
    }
    return reports;
  }

  private line(node: ts.Node): number {
    return this.analysis.location(node).line;
  }
}

/** A lock class's own methods calling each other (`this.unlock()` inside `ScopedLock`): implementation, not use. */
function isSelf(lock: LockIdentity): boolean {
  return lock.id.endsWith('#this');
}

/** `Class#mu` → `mu`, `src/a.ts#mutex` → `mutex`: the name an annotation would use. */
function shortName(id: string): string {
  return id.slice(id.lastIndexOf('#') + 1);
}
