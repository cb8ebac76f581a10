import ts from 'typescript';
import type { AnalysisDelta } from '../analysis.js';
import { stripExpression } from '../flow/lock-identity.js';
import { isFunctionNode } from '../graph/functions.js';
import type { CallSite, FunctionFacts, FunctionInfo } from '../types.js';
import { compareFacts, factsOfFile } from './file-index.js';
import { SetIndex } from './lock-flow-index.js';
import { ownerSignature, type FlowReader, type Template } from './lock-flow-reader.js';
import type { LockCarrier, LockOrigin } from './lock-flow.js';

/**
 * The part of the lock flow that spans the program, carried from one program version to the
 * next: what each call's arguments carry (templates), what each parameter receives (a fixpoint
 * over the calls), and which fields hold a release function. An edit recomputes the templates of
 * the functions it changed (and of those whose templates read them), then what parameters receive
 * where those templates reach, over the calls, transitively; every other entry is the previous
 * version's. What rules report is computed from this per program version, for the files asked.
 *
 * What a parameter receives is defined breadth-first, so that it does not depend on the order
 * the program is visited in: carriers that crossed one call first, then two, …; among those
 * that crossed as many calls, the calls in the facts' order. The first carrier of a lock value
 * (same origin, shape and use) to reach a parameter is the one kept.
 */

/** A release function stored into a field: `ticket.onSettled = release`. */
export interface FieldStore {
  field: string;
  origin: LockOrigin;
  storedBy: string;
  stored: ts.Node;
}

interface FunctionTemplates {
  sites: Map<CallSite, Map<number, Template[]>>;
  /** Other functions the templates were read from (callbacks, callees' wrappers and facts). */
  deps: Set<string>;
}

export interface FlowState {
  /**
   * The facts map the state was built from: an edit that keeps the functions and files in
   * their order updates it in place; a new one (files changed places) means starting afresh.
   */
  facts: ReadonlyMap<string, FunctionFacts>;
  templates: Map<string, FunctionTemplates>;
  /** Function → functions whose templates read it. */
  dependents: SetIndex<string, string>;
  /** Function → calls with templates that may run it. */
  incoming: SetIndex<string, CallSite>;
  /** Function → calls with templates that pass on what one of its parameters receives. */
  readers: SetIndex<string, CallSite>;
  /** What each parameter receives, by function key and parameter index. */
  params: Map<string, ReadonlyMap<number, LockCarrier[]>>;
  /** Caller → functions with a parameter whose carrier is first held at a call of that caller (where a callee release drops it). */
  heldAt: SetIndex<string, string>;
  heldAtOf: Map<string, ReadonlySet<string>>;
  /** Release functions each function stores into fields (functions that store none are absent). */
  fieldStores: Map<string, FieldStore[]>;
  /** What the lock inventory said of each lock an origin was made from. */
  owners: Map<string, string>;
  /**
   * Who the state currently describes: the next version updates the state in place (copying
   * it would cost as much as the program) and takes it over. An analysis whose state was taken
   * over computes its own from scratch if it is asked again (see lockFlow).
   */
  version: object;
}

/** Each call's place in its caller, for the facts' order of calls. */
const sitePosition = new WeakMap<CallSite, number>();

export function buildState(reader: FlowReader): FlowState {
  const state: FlowState = {
    facts: reader.analysis.facts,
    templates: new Map(),
    dependents: new SetIndex(),
    incoming: new SetIndex(),
    readers: new SetIndex(),
    params: new Map(),
    heldAt: new SetIndex(),
    heldAtOf: new Map(),
    fieldStores: new Map(),
    owners: new Map(),
    version: {},
  };
  const facts = reader.analysis.facts;
  for (const f of facts.values()) setTemplates(state, f.info.key, reader, f);
  propagate(state, new Set(facts.keys()), reader);
  for (const f of facts.values()) setFieldStores(state, reader, f);
  for (const [id, owner] of reader.owners) state.owners.set(id, owner);
  return state;
}

/**
 * The previous version's state, updated in place for an edit. Undefined (and left as it was) when the edit changed what the
 * lock inventory says of a lock an origin was made from (its owner): every origin may read
 * differently then, and the caller starts from scratch; the same when the facts map is a new one
 * (functions or files moved: what parameters receive is in the facts' order).
 */
export function updateState(previous: FlowState, delta: AnalysisDelta, reader: FlowReader): FlowState | undefined {
  const analysis = reader.analysis;
  if (previous.facts !== analysis.facts) return undefined;
  for (const [id, owner] of previous.owners) if (ownerSignature(analysis, id) !== owner) return undefined;
  const facts = analysis.facts;
  const state = previous;
  state.version = {};

  // templates: of the changed functions, and of those whose templates read one
  const stale = new Set(delta.changed);
  for (const key of delta.changed) for (const dependent of state.dependents.get(key)) stale.add(dependent);
  // what parameters receive: where the stale templates' calls (before and after) lead, and on through forwarding
  const affected = new Set<string>([...delta.changed]);
  for (const key of stale) {
    for (const site of state.templates.get(key)?.sites.keys() ?? []) for (const t of site.targets) affected.add(t);
    setTemplates(state, key, reader, facts.get(key));
    for (const site of state.templates.get(key)?.sites.keys() ?? []) for (const t of site.targets) affected.add(t);
  }
  const stack = [...affected];
  while (stack.length) {
    for (const site of state.readers.get(stack.pop()!)) {
      for (const t of site.targets) {
        if (!affected.has(t)) {
          affected.add(t);
          stack.push(t);
        }
      }
    }
  }
  propagate(state, affected, reader);

  // field stores: of the changed functions, and of those that can name a parameter whose carriers changed
  const refresh = new Set<string>(delta.changed);
  for (const key of affected) {
    const info = analysis.functions.get(key);
    if (info && facts.has(key)) for (const nested of functionsWithin(reader, info)) refresh.add(nested);
  }
  for (const key of refresh) {
    const f = facts.get(key);
    if (f) setFieldStores(state, reader, f);
    else state.fieldStores.delete(key);
  }
  for (const [id, owner] of reader.owners) state.owners.set(id, owner);
  return state;
}

function setTemplates(state: FlowState, key: string, reader: FlowReader, f: FunctionFacts | undefined): void {
  const old = state.templates.get(key);
  if (old) {
    for (const dep of old.deps) state.dependents.delete(dep, key);
    for (const [site, byIndex] of old.sites) index(state, site, byIndex, 'delete');
    state.templates.delete(key);
  }
  if (!f) return;
  f.calls.forEach((site, position) => sitePosition.set(site, position));
  const { sites, deps } = reader.templatesOf(f);
  state.templates.set(key, { sites, deps });
  for (const dep of deps) state.dependents.add(dep, key);
  for (const [site, byIndex] of sites) index(state, site, byIndex, 'add');
}

function index(state: FlowState, site: CallSite, byIndex: Map<number, Template[]>, how: 'add' | 'delete'): void {
  for (const target of site.targets) state.incoming[how](target, site);
  for (const templates of byIndex.values()) {
    for (const t of templates) if ('param' in t.source) state.readers[how](t.source.param.function, site);
  }
}

export function templatesAt(state: FlowState, site: CallSite): ReadonlyMap<number, Template[]> | undefined {
  return state.templates.get(site.caller)?.sites.get(site);
}

/** The carriers a template passes at a call; only those that crossed `crossed` calls before, when given. */
export function resolve(state: FlowState, template: Template, site: CallSite, crossed?: number): LockCarrier[] {
  if ('origin' in template.source) {
    if (crossed !== undefined && crossed !== 0) return [];
    return [{ origin: template.source.origin, as: template.as ?? 'lock', uses: template.uses ?? [], member: template.member, path: [site], node: template.node }];
  }
  const received = state.params.get(template.source.param.function)?.get(template.source.param.index) ?? [];
  const result: LockCarrier[] = [];
  for (const carrier of received) {
    if (crossed !== undefined && carrier.path.length !== crossed) continue;
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

export function carrierKey(c: LockCarrier): string {
  return `${c.origin.lock.id}|${c.origin.acquiredAt?.pos ?? ''}|${c.as}|${c.member ?? ''}|${c.uses.join(',')}`;
}

/**
 * What the `affected` functions' parameters receive, from scratch, breadth-first (see above);
 * the other functions' parameters are final and only read. Every function whose parameters can
 * change must be in `affected`: the callees of its calls that pass a parameter on are.
 */
function propagate(state: FlowState, affected: ReadonlySet<string>, reader: FlowReader): void {
  const facts = reader.analysis.facts;
  for (const key of affected) {
    state.params.delete(key);
    for (const caller of state.heldAtOf.get(key) ?? []) state.heldAt.delete(caller, key);
    state.heldAtOf.delete(key);
  }
  const receivers = (site: CallSite) => site.targets.filter((t) => affected.has(t) && facts.has(t));
  // by file and place in the file: no pass over the program's functions to number them
  const bySiteOrder = (a: CallSite, b: CallSite) =>
    (a.caller === b.caller ? 0 : compareFacts(reader.analysis, facts.get(a.caller)!, facts.get(b.caller)!)) || sitePosition.get(a)! - sitePosition.get(b)!;

  // the parameters that stay, by the number of calls their carriers crossed: they feed the affected ones at that depth
  const fixedAt = new Map<number, Set<string>>();
  const first: CallSite[] = [];
  for (const key of affected) {
    if (!facts.has(key)) continue;
    for (const site of state.incoming.get(key)) {
      first.push(site);
      for (const templates of templatesAt(state, site)?.values() ?? []) {
        for (const t of templates) {
          if (!('param' in t.source) || affected.has(t.source.param.function)) continue;
          for (const list of state.params.get(t.source.param.function)?.values() ?? []) {
            for (const c of list) {
              const set = fixedAt.get(c.path.length) ?? new Set();
              set.add(t.source.param.function);
              fixedAt.set(c.path.length, set);
            }
          }
        }
      }
    }
  }
  const deepestFixed = Math.max(0, ...fixedAt.keys());

  const received = new Map<string, Map<number, { list: LockCarrier[]; keys: Set<string> }>>();
  let sites = new Set(first);
  for (let crossed = 0; ; crossed++) {
    const perTarget = new Map<string, CallSite[]>();
    for (const site of sites) {
      for (const target of receivers(site)) {
        const list = perTarget.get(target);
        if (list) list.push(site);
        else perTarget.set(target, [site]);
      }
    }
    const grew = new Set<string>();
    for (const [target, list] of perTarget) {
      let byIndex = received.get(target);
      for (const site of list.sort(bySiteOrder)) {
        for (const [index, templates] of templatesAt(state, site) ?? []) {
          for (const template of templates) {
            for (const carrier of resolve(state, template, site, crossed)) {
              if (!byIndex) received.set(target, (byIndex = new Map()));
              let entry = byIndex.get(index);
              if (!entry) byIndex.set(index, (entry = { list: [], keys: new Set() }));
              const key = carrierKey(carrier);
              if (entry.keys.has(key)) continue;
              entry.keys.add(key);
              entry.list.push(carrier);
              grew.add(target);
            }
          }
        }
      }
      // published as each depth ends: the next depth reads what this one added
      if (byIndex) state.params.set(target, new Map([...byIndex].map(([i, e]) => [i, e.list])));
    }
    const next = new Set([...grew, ...(fixedAt.get(crossed + 1) ?? [])]);
    if (next.size === 0 && crossed + 1 >= deepestFixed) break;
    sites = new Set([...next].flatMap((key) => [...state.readers.get(key)]));
  }

  for (const [key, byIndex] of received) {
    const callers = new Set<string>();
    for (const { list } of byIndex.values()) {
      for (const c of list) {
        const held = c.path.find((s) => s.held.some((h) => h.lock.id === c.origin.lock.id));
        if (held) callers.add(held.caller);
      }
    }
    for (const caller of callers) state.heldAt.add(caller, key);
    if (callers.size) state.heldAtOf.set(key, callers);
  }
}

/**
 * A function and the functions written inside it (those with facts, in no particular order): the
 * file's functions within its range, not a walk of its body (for the module, of the whole file).
 */
export function functionsWithin(reader: FlowReader, info: FunctionInfo): string[] {
  const keys: string[] = [info.key];
  const { pos, end } = info.node;
  for (const f of factsOfFile(reader.analysis, info.sourceFile)) {
    const node = f.info.node;
    if (f.info.key !== info.key && node.pos >= pos && node.end <= end) keys.push(f.info.key);
  }
  return keys;
}

// ------------------------------------------------------------ release functions stored into fields

function setFieldStores(state: FlowState, reader: FlowReader, f: FunctionFacts): void {
  const stores = fieldStoresOf(state, reader, f);
  if (stores.length) state.fieldStores.set(f.info.key, stores);
  else state.fieldStores.delete(f.info.key);
}

function fieldStoresOf(state: FlowState, reader: FlowReader, f: FunctionFacts): FieldStore[] {
  const found: FieldStore[] = [];
  const releasers = (function_: string, index: number) =>
    (state.params.get(function_)?.get(index) ?? []).filter((c) => c.uses.includes('release') && c.member === undefined);
  for (const store of f.stores) {
    const target = stripExpression(store.target);
    if (!ts.isPropertyAccessExpression(target)) continue;
    const field = reader.fieldOf(target.name);
    if (!field) continue;
    for (const value of store.values.filter((v) => v.what === 'releaser')) {
      const source = reader.sourceOf(f, value.lock);
      const origins = !source ? [] : 'origin' in source ? [source.origin] : releasers(source.param.function, source.param.index).map((c) => c.origin);
      for (const origin of origins) found.push({ field: field.key, origin, storedBy: f.info.key, stored: storedValue(store.node) });
    }
  }
  // `this.pending = release` with `release: () => void`: the walker sees no lock value, the parameter's callers do
  if (!seesReleaserParameter(state, reader, f.info)) return found;
  for (const { field, value } of parameterFieldStores(reader, f.info)) {
    const ref = reader.parameterRef(value);
    for (const c of dedupeByLock(ref ? releasers(ref.function, ref.index) : [])) found.push({ field, origin: c.origin, storedBy: f.info.key, stored: value });
  }
  return found;
}

/**
 * Whether code in `info` can name a parameter that receives a release function itself (not as a
 * member): its own or an enclosing function's. Elsewhere no stored parameter carries a releaser,
 * so the body need not be searched.
 */
function seesReleaserParameter(state: FlowState, reader: FlowReader, info: FunctionInfo): boolean {
  for (let node: ts.Node | undefined = info.node; node; node = node.parent) {
    if (!isFunctionNode(node)) continue;
    const byIndex = state.params.get(reader.analysis.functionOf(node)?.key ?? '');
    for (const carriers of byIndex?.values() ?? []) if (carriers.some((c) => c.uses.includes('release') && c.member === undefined)) return true;
  }
  return false;
}

/** `x.field = identifier` assignments written directly in a function (not in its nested functions). */
function parameterFieldStores(reader: FlowReader, info: FunctionInfo): { field: string; value: ts.Expression }[] {
  const found: { field: string; value: ts.Expression }[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== info.node && isFunctionNode(node)) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = stripExpression(node.left);
      const value = stripExpression(node.right);
      const field = ts.isPropertyAccessExpression(target) && ts.isIdentifier(value) ? reader.fieldOf(target.name) : undefined;
      if (field) found.push({ field: field.key, value });
    }
    ts.forEachChild(node, visit);
  };
  if (!ts.isSourceFile(info.node)) visit(info.node);
  return found;
}

/** `ticket.onSettled = release` is reported on `release`, the value that crosses. */
export function storedValue(node: ts.Node): ts.Node {
  return ts.isBinaryExpression(node) ? node.right : node;
}

export function dedupeByLock(carriers: readonly LockCarrier[]): LockCarrier[] {
  const seen = new Set<string>();
  return carriers.filter((c) => {
    const key = `${c.origin.lock.id}|${c.member ?? ''}|${c.uses.join(',')}`;
    return !seen.has(key) && !!seen.add(key);
  });
}
