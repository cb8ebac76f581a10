import {
  callSiteAt,
  deferredParam,
  doesWork,
  factsInScope,
  startsAsyncWork,
  stripExpression,
  symbolAt,
  type Analysis,
  type CallSite,
  type ChainLink,
  type FunctionFacts,
  type HeldLock,
  type TraceStep,
} from '@lockwise/analyzer';
import ts from 'typescript';
import { defineRule, type RuleReport } from './support/rule.js';
import { chainSteps, displayName, heldStep, lockSubsystem, step } from './support/trace.js';

export interface Options {
  /** Report `void f()` inside a region as a finding; by default it is an explicit detach, listed as an acknowledgement. */
  reportVoid: boolean;
  /** Report listeners registered inside a region (`emitter.on(…)`, `addEventListener`) whose callbacks do work. */
  reportListeners: boolean;
}

/** The region a call runs in: a lock held at the call, or held by a caller on the way in. */
interface Region {
  held: HeldLock;
  /** Calls from the region down to the function that makes the call (empty when the call is in the region itself). */
  via: ChainLink[];
}

/** Immediate callback APIs whose result carries the callbacks' promises (`Promise.all(xs.map(async …))`). */
const RESULT_CARRIES_PROMISES = new Set(['map', 'flatMap', 'from', 'reduce', 'reduceRight']);
const LISTENER_APIS = new Set(['on', 'once', 'addListener', 'prependListener', 'addEventListener', 'subscribe']);

/**
 * Async work started inside a held region and neither awaited nor returned there, so it runs
 * after the lock is released: a floating promise, `forEach(async …)`, a callback scheduled for
 * later, a promise kept and awaited only after the region. Also a dropped acquisition.
 */
export default defineRule<Options>({
  name: 'no-escaping-async-in-lock',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow async work started inside a held region that runs on after the lock is released',
      preset: 'recommended',
      severity: 'error',
    },
    messages: {
      floatingPromise:
        '`{{call}}` starts async work inside the region of `{{lock}}` (taken at {{acquiredAt}}) and neither awaits nor returns it: the work goes on after the lock is released. Await it inside the region, or detach it with `void` to say so.',
      detached: '`{{call}}` is detached with `void` inside the region of `{{lock}}` (taken at {{acquiredAt}}): it runs on after the lock is released.',
      asyncCallback:
        '`{{call}}` runs an async callback inside the region of `{{lock}}` (taken at {{acquiredAt}}) and drops its promise: everything after the callback\'s first `await` runs after the lock is released. Use `for…of` with `await`, or `await Promise.all(….map(…))`.',
      deferredCallback:
        '`{{call}}` {{how}} inside the region of `{{lock}}` (taken at {{acquiredAt}}): the callback runs after the lock is released, without it.',
      awaitedAfterRegion:
        'The promise of `{{call}}`, started inside the region of `{{lock}}` (taken at {{acquiredAt}}), is kept in `{{variable}}` and awaited only at {{awaitedAt}}, after the lock is released: the work runs unguarded. Await it inside the region.',
      releasedBeforeSettled:
        '`{{call}}` is returned from inside the region of `{{lock}}` (taken at {{acquiredAt}}), but the lock is released before its promise settles. Use `return await`.',
      droppedAcquire:
        '`{{call}}` acquires `{{lock}}` but its promise is dropped: nothing is held here, and when the acquisition completes the lock is never released. Await it and release the lock on every path.',
    },
    schema: {
      type: 'object',
      properties: {
        reportVoid: { type: 'boolean' },
        reportListeners: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    defaultOptions: { reportVoid: false, reportListeners: true },
  },
  check(analysis, options, scope) {
    const reports: RuleReport[] = [];
    for (const facts of factsInScope(analysis, scope)) {
      for (const site of facts.calls) {
        const dropped = droppedAcquire(analysis, site);
        if (dropped) {
          reports.push(dropped);
          continue;
        }
        const region = regionOf(analysis, facts, site);
        if (!region) continue;
        const report =
          floating(analysis, site, region, options) ??
          keptPromise(analysis, facts, site, region) ??
          asyncCallback(analysis, site, region) ??
          deferredCallback(analysis, site, region, options);
        if (report) reports.push(report);
      }
    }
    return reports;
  },
});

// ---------------------------------------------------------------- the forms of escape

/** S11: `mu.acquire();` — the acquisition completes later and nothing will release it. */
function droppedAcquire(analysis: Analysis, site: CallSite): RuleReport | undefined {
  const op = site.external?.kind === 'lock-op' ? site.external.op : undefined;
  if (!op || op.kind !== 'acquire' || !site.discarded || !startsAsyncWork(analysis, site)) return undefined;
  return {
    node: site.node,
    messageId: 'droppedAcquire',
    data: { call: callText(site), lock: op.lock.id },
    lock: op.lock.id,
    trace: [step(analysis, site.node, `${op.api} is called here and its promise dropped: \`${op.lock.id}\` is taken later, and never released`)],
  };
}

function floating(analysis: Analysis, site: CallSite, region: Region, options: Options): RuleReport | undefined {
  if (!site.discarded || !startsAsyncWork(analysis, site)) return undefined;
  if (site.callbackArgs.some((cb) => endsRegion(analysis, cb.fn, site, region))) return undefined;
  const report = regionReport(analysis, site, region, site.voided ? 'detached' : 'floatingPromise', {}, [
    step(analysis, site.node, site.voided ? 'detached with `void` here' : 'started here, neither awaited nor returned'),
  ]);
  if (site.voided && !options.reportVoid) {
    report.acknowledgement = { by: 'void', reason: `explicit detach: \`${callText(site)}\` runs on after \`${region.held.lock.id}\` is released` };
  }
  return report;
}

/** A promise kept in a local and awaited only once the region is over, or returned past a release. */
function keptPromise(analysis: Analysis, facts: FunctionFacts, site: CallSite, region: Region): RuleReport | undefined {
  if (site.discarded || site.awaited || !startsAsyncWork(analysis, site)) return undefined;
  if (site.returned) {
    // Returned to a caller that holds the lock: the caller decides when it is released.
    if (region.via.length > 0) return undefined;
    const exit = exitOf(facts, site.node);
    if (!exit || holdsSame(exit.held, region.held)) return undefined;
    return regionReport(analysis, site, region, 'releasedBeforeSettled', {}, [
      step(analysis, site.node, 'returned here, not awaited'),
      step(analysis, exit.node, `\`${region.held.lock.id}\` is no longer held when the function returns`),
    ]);
  }
  const variable = boundVariable(site.node);
  if (!variable) return undefined;
  const uses = usesOf(analysis, variable);
  if (uses.some((u) => u.kind === 'wait' && holdsSame(u.held, region.held))) return undefined;
  const late = uses.find((u) => u.kind === 'wait');
  if (late) {
    return regionReport(analysis, site, region, 'awaitedAfterRegion', { variable: variable.text, awaitedAt: position(analysis, late.node, site.node) }, [
      step(analysis, site.node, `started here and kept in \`${variable.text}\``),
      step(analysis, late.node, `awaited here, after \`${region.held.lock.id}\` is released`),
    ]);
  }
  if (uses.length > 0) return undefined;
  return regionReport(analysis, site, region, 'floatingPromise', {}, [step(analysis, site.node, `started here and kept in \`${variable.text}\`, which is never awaited`)]);
}

/** `forEach(async …)`: the callbacks' promises are dropped; their awaits outlive the region. */
function asyncCallback(analysis: Analysis, site: CallSite, region: Region): RuleReport | undefined {
  const external = site.external;
  if (external?.kind !== 'callback-api' || external.timing !== 'immediate') return undefined;
  const api = lastName(external.name);
  if (RESULT_CARRIES_PROMISES.has(api) && !site.discarded) return undefined;
  const callback = site.callbackArgs.find((cb) => {
    const info = analysis.functions.get(cb.fn);
    return info?.isAsync && ((analysis.facts.get(cb.fn)?.yields.length ?? 0) > 0 || !!analysis.summaries.get(cb.fn)?.mayBlock);
  });
  if (!callback) return undefined;
  const firstYield = analysis.facts.get(callback.fn)?.yields[0];
  return regionReport(analysis, site, region, 'asyncCallback', {}, [
    step(analysis, site.node, `\`${api}\` calls the async callback and drops its promise`),
    ...(firstYield ? [step(analysis, firstYield.node, 'the callback yields here; the rest of it runs after the region')] : []),
  ]);
}

/** A callback scheduled, registered or kept for later: by a library API or a helper that defers it. */
function deferredCallback(analysis: Analysis, site: CallSite, region: Region, options: Options): RuleReport | undefined {
  const working = site.callbackArgs.filter((cb) => doesWork(analysis, cb.fn));
  if (working.length === 0 || working.some((cb) => endsRegion(analysis, cb.fn, site, region))) return undefined;
  const external = site.external;
  if (external?.kind === 'callback-api' && external.timing === 'deferred') {
    const api = lastName(external.name);
    const listener = LISTENER_APIS.has(api);
    if (listener && !options.reportListeners) return undefined;
    const how = listener ? `registers a listener with \`${api}\`` : `schedules a callback with \`${api}\``;
    return regionReport(analysis, site, region, 'deferredCallback', { how }, [
      step(analysis, site.node, `${how}; it runs later`),
      step(analysis, functionNode(analysis, working[0]!.fn), 'the callback, which runs after the region'),
    ]);
  }
  for (const target of site.targets) {
    for (const cb of working) {
      const deferred = deferredParam(analysis, target, cb.argIndex);
      if (!deferred) continue;
      const name = displayName(analysis, target);
      const how = `hands a callback to \`${name}\`, which ${deferred.how},`;
      return regionReport(analysis, site, region, 'deferredCallback', { how }, [
        ...chainSteps(analysis, [{ from: site.caller, call: site.node, to: target }, ...deferred.chain]),
        step(analysis, functionNode(analysis, cb.fn), 'the callback, which runs after the region'),
      ]);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- regions

function regionOf(analysis: Analysis, facts: FunctionFacts, site: CallSite): Region | undefined {
  const innermost = site.held[site.held.length - 1];
  if (innermost) return { held: innermost, via: [] };
  // Held by a caller: the call runs inside the caller's region.
  const entry = analysis.summaries.get(facts.info.key)?.heldOnEntry.values().next().value;
  if (!entry || entry.via.length === 0) return undefined;
  const outer = callSiteAt(analysis, entry.via[0]!.call);
  const held = outer?.held.find((h) => h.lock.id === entry.lock.id);
  return held ? { held, via: entry.via } : undefined;
}

function regionReport(
  analysis: Analysis,
  site: CallSite,
  region: Region,
  messageId: string,
  data: Record<string, string>,
  steps: TraceStep[],
): RuleReport {
  const owner = lockSubsystem(analysis, region.held);
  const callee = site.targets.map((t) => analysis.functions.get(t)?.subsystem).find((s) => s !== undefined);
  return {
    node: site.node,
    messageId,
    data: { call: callText(site), lock: region.held.lock.id, acquiredAt: position(analysis, region.held.acquiredAt, site.node), ...data },
    lock: region.held.lock.id,
    subsystems: callee && callee !== owner ? { from: owner, to: callee } : undefined,
    trace: [heldStep(analysis, region.held), ...chainSteps(analysis, region.via), ...steps],
  };
}

/**
 * The later callback is where the region ends: it releases the lock, or calls the completion
 * callback the lock API handed to the region (async-lock's `done`, mutexify's `release`), so the
 * lock is still held while it runs.
 */
function endsRegion(analysis: Analysis, callback: string, site: CallSite, region: Region): boolean {
  const facts = analysis.facts.get(callback);
  if (!facts) return false;
  const regionFn = analysis.functions.get(site.caller);
  const completion = regionFn?.inlineArgumentOf?.call === region.held.acquiredAt ? regionFn.node : undefined;
  return facts.calls.some(
    (c) =>
      (c.external?.kind === 'lock-op' && c.external.op.kind === 'release' && c.external.op.lock.id === region.held.lock.id) ||
      (completion !== undefined && isParameterOf(analysis, c.node.expression, completion)),
  );
}

function isParameterOf(analysis: Analysis, callee: ts.Expression, fn: ts.Node): boolean {
  const e = stripExpression(callee);
  const declaration = ts.isIdentifier(e) ? symbolAt(analysis.checker, e)?.valueDeclaration : undefined;
  return !!declaration && ts.isParameter(declaration) && declaration.parent === fn;
}

function holdsSame(held: readonly HeldLock[], region: HeldLock): boolean {
  return held.some((h) => h.lock.id === region.lock.id && h.acquiredAt === region.acquiredAt);
}

// ---------------------------------------------------------------- promises kept in locals

interface Use {
  node: ts.Node;
  /** `wait`: awaited, yielded or returned; `other`: handed on in a way the rule does not follow. */
  kind: 'wait' | 'other';
  held: readonly HeldLock[];
}

/** `const p = call()` or `p = call()`: the local the promise is kept in. */
function boundVariable(node: ts.Node): ts.Identifier | undefined {
  let child: ts.Node = node;
  let parent = node.parent;
  while (parent && (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent))) {
    child = parent;
    parent = parent.parent;
  }
  let name: ts.Identifier | undefined;
  if (parent && ts.isVariableDeclaration(parent) && parent.initializer === child && ts.isIdentifier(parent.name)) name = parent.name;
  if (parent && ts.isBinaryExpression(parent) && parent.right === child && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const left = stripExpression(parent.left);
    if (ts.isIdentifier(left)) name = left;
  }
  return name;
}

/** Every reference to the local after its binding, anywhere in the function that declares it. */
function usesOf(analysis: Analysis, name: ts.Identifier): Use[] {
  const symbol = symbolAt(analysis.checker, name);
  const declaration = symbol?.valueDeclaration;
  if (!symbol || !declaration || !ts.isVariableDeclaration(declaration)) return [];
  const scope = enclosingFunctionLike(declaration) ?? declaration.getSourceFile();
  const uses: Use[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== declaration.name && node !== name && symbolAt(analysis.checker, node) === symbol) {
      if (!isAssignmentTarget(node)) uses.push(useOf(analysis, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(scope);
  return uses;
}

function useOf(analysis: Analysis, reference: ts.Identifier): Use {
  for (let node: ts.Node = reference; node.parent; node = node.parent) {
    const parent = node.parent;
    if (ts.isFunctionLike(parent)) break;
    if (ts.isAwaitExpression(parent) || ts.isYieldExpression(parent)) {
      const y = analysis.facts.get(analysis.functionAt(parent)?.key ?? '')?.yields.find((p) => p.node === parent);
      return { node: parent, kind: 'wait', held: y?.held ?? [] };
    }
    if (ts.isReturnStatement(parent)) {
      const facts = analysis.facts.get(analysis.functionAt(parent)?.key ?? '');
      const exit = facts && exitOf(facts, parent);
      return { node: parent, kind: 'wait', held: exit?.held ?? [] };
    }
    if (ts.isCallExpression(parent) || ts.isNewExpression(parent) || ts.isStatement(parent) || ts.isBinaryExpression(parent)) {
      // `Promise.all([p, q])` stays a wait if the combinator is awaited; anything else hands it on.
      if (ts.isCallExpression(parent) && callSiteAt(analysis, parent)?.external?.kind === 'promise-combinator') continue;
      if (ts.isArrayLiteralExpression(node) || ts.isArrayLiteralExpression(parent)) continue;
      return { node: reference, kind: 'other', held: [] };
    }
  }
  return { node: reference, kind: 'other', held: [] };
}

function exitOf(facts: FunctionFacts, node: ts.Node): { node: ts.Node; held: HeldLock[] } | undefined {
  for (let current: ts.Node | undefined = node; current; current = current.parent) {
    if (ts.isReturnStatement(current)) return facts.exits.find((e) => e.node === current);
    if (ts.isFunctionLike(current)) return undefined;
  }
  return undefined;
}

function isAssignmentTarget(node: ts.Identifier): boolean {
  const parent = node.parent;
  return ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

function enclosingFunctionLike(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current; current = current.parent) if (ts.isFunctionLike(current)) return current;
  return undefined;
}

// ---------------------------------------------------------------- text

function callText(site: CallSite): string {
  const text = site.node.getText().replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function lastName(name: string): string {
  return name.split('.').pop() ?? name;
}

function functionNode(analysis: Analysis, key: string): ts.Node {
  return analysis.functions.get(key)!.node;
}

function position(analysis: Analysis, node: ts.Node, relativeTo: ts.Node): string {
  const location = analysis.location(node);
  const same = node.getSourceFile() === relativeTo.getSourceFile();
  return same ? `${location.line}:${location.column}` : `${analysis.relativePath(location.file)}:${location.line}:${location.column}`;
}
