import ts from 'typescript';
import { stripExpression } from '../flow/lock-identity.js';
import { symbolAt } from '../flow/symbols.js';
import { ENTRY_WRITES } from '../flow/shared-state.js';
import { isInside, substitute } from '../summaries/wrappers.js';
import type { CallSite, FunctionFacts, FunctionInfo, HeldLock, LockIdentity, SharedAccess } from '../types.js';
import { compareFacts } from './file-index.js';
import type { FlowReader, ParamRef } from './lock-flow-reader.js';
import { carrierKey, dedupeByLock, functionsWithin, resolve, storedValue, templatesAt, type FieldStore, type FlowState } from './lock-flow-state.js';
import type { CalleeRelease, ForeignLockUse, ForeignThrough, LockCarrier, LockDrop, LockHandoff, LockUse, StaleState } from './lock-flow.js';

/**
 * What the lock flow says about a set of functions, for one program version: hand-offs, foreign
 * uses, drops and callee releases, each computed from the carried state (see lock-flow-state.ts)
 * only for the functions a face asks about. Every list is in the facts' order, whichever
 * functions are asked, so a scoped answer is the whole program's restricted to the scope.
 */
export class FlowOutputs {
  private readonly resolved = new Map<CallSite, Map<number, LockCarrier[]>>();
  private readonly uses = new Map<string, ForeignLockUse[]>();
  private readonly dropsBy = new Map<string, LockDrop[]>();
  private fields: Map<string, FieldStore[]> | undefined;

  constructor(
    private readonly reader: FlowReader,
    private readonly state: FlowState,
  ) {}

  private get analysis() {
    return this.reader.analysis;
  }

  /** The facts of `keys`, in the facts' order: compared by file and place in the file, not by a pass over the program. */
  private inOrder(keys: Iterable<string>): FunctionFacts[] {
    const facts = this.analysis.facts;
    return [...keys].flatMap((key) => facts.get(key) ?? []).sort((a, b) => compareFacts(this.analysis, a, b));
  }

  /** The carriers a call's arguments pass, by argument index. */
  argumentsOf(site: CallSite): Map<number, LockCarrier[]> {
    let byIndex = this.resolved.get(site);
    if (!byIndex) {
      byIndex = new Map();
      for (const [index, templates] of templatesAt(this.state, site) ?? []) {
        const carriers = dedupeCarriers(templates.flatMap((t) => resolve(this.state, t, site)));
        if (carriers.length) byIndex.set(index, carriers);
      }
      this.resolved.set(site, byIndex);
    }
    return byIndex;
  }

  handoffs(functions: readonly FunctionFacts[]): LockHandoff[] {
    return [
      ...functions.flatMap((f) => this.argumentHandoffs(f)),
      ...functions.flatMap((f) => this.parameterHandoffs(f)),
      ...functions.flatMap((f) => this.returnHandoffs(f)),
      ...functions.flatMap((f) => this.storeHandoffs(f)),
    ];
  }

  foreignUses(functions: readonly FunctionFacts[]): ForeignLockUse[] {
    return functions.flatMap((f) => this.usesOf(f));
  }

  drops(functions: readonly FunctionFacts[]): LockDrop[] {
    return functions.flatMap((f) => this.dropsOf(f));
  }

  /** Callee releases at calls made by `callers` (every function without it). */
  calleeReleases(callers?: readonly FunctionFacts[]): CalleeRelease[] {
    let releasers: FunctionFacts[];
    if (!callers) {
      releasers = [...this.analysis.facts.values()];
    } else {
      // the releases are in functions a parameter of which (theirs or an enclosing one's) got its carrier through a held call of a caller
      const keys = new Set<string>();
      for (const caller of callers) {
        for (const receiver of this.state.heldAt.get(caller.info.key)) {
          const info = this.analysis.functions.get(receiver);
          if (info) for (const key of functionsWithin(this.reader, info)) keys.add(key);
        }
      }
      releasers = this.inOrder(keys);
    }
    const wanted = callers && new Set(callers.map((f) => f.info.key));
    const result: CalleeRelease[] = [];
    const seen = new Set<string>();
    for (const f of releasers) {
      for (const release of this.usesOf(f)) {
        if (release.use !== 'release' || release.through.kind !== 'parameter') continue;
        const lockId = release.origin.lock.id;
        const site = release.through.carrier.path.find((s) => s.held.some((h) => h.lock.id === lockId));
        const caller = site && this.analysis.facts.get(site.caller);
        if (!site || !caller) continue;
        const key = `${site.caller}|${site.seq}|${lockId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (wanted && !wanted.has(site.caller)) continue;
        const drop = this.dropsOf(f).find((d) => d.release === release.node && d.origin.lock.id === lockId);
        const reacquire = drop && this.usesOf(f).find((u) => u.node === drop.reacquire && u.use === 'acquire');
        const nextOp = caller.lockOps.find((o) => o.op.lock.id === lockId && o.seq > site.seq)?.seq ?? Infinity;
        const writesAfter = drop ? [] : caller.writes.filter((w) => w.seq > site.seq && w.seq < nextOp);
        const stale = drop ? staleStates(caller.reads.filter((r) => r.seq < site.seq), caller.writes.filter((w) => w.seq > site.seq && w.seq < nextOp)) : [];
        result.push({ site, held: site.held.find((h) => h.lock.id === lockId)!, origin: release.origin, release, reacquire, writesAfter, stale });
      }
    }
    return result;
  }

  // ------------------------------------------------------------ hand-offs

  private argumentHandoffs(f: FunctionFacts): LockHandoff[] {
    const result: LockHandoff[] = [];
    for (const site of f.calls) {
      if (!templatesAt(this.state, site)) continue;
      const targets = site.targets.filter((t) => this.analysis.facts.has(t) && t !== f.info.key);
      if (targets.length === 0) continue;
      const peers = targets.map((t) => ({ subsystem: this.reader.subsystemOfFunction(t), function: t, name: this.reader.displayName(t), site }));
      for (const [index, carriers] of this.argumentsOf(site)) {
        const secondary = targets.every((t) => this.reader.isLockTypedParameter(t, index));
        for (const group of byLock(carriers)) {
          result.push({ kind: 'argument', node: site.node.arguments![index]!, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers, site, secondary });
        }
      }
    }
    return result;
  }

  private parameterHandoffs(f: FunctionFacts): LockHandoff[] {
    const key = f.info.key;
    const byIndex = this.state.params.get(key);
    const info = f.info;
    if (!byIndex || ts.isSourceFile(info.node)) return [];
    const result: LockHandoff[] = [];
    for (const [index, carriers] of byIndex) {
      const parameter = info.node.parameters[index];
      if (!parameter) continue;
      for (const group of byLock(carriers)) {
        const peers = dedupePeers(
          group.map((c) => {
            const site = c.path[c.path.length - 1]!;
            return { subsystem: this.reader.subsystemOfFunction(site.caller), function: site.caller, name: this.reader.displayName(site.caller), site };
          }),
        );
        const secondary = !this.reader.isLockTypedParameter(key, index);
        result.push({ kind: 'parameter', node: parameter.name, function: key, subsystem: info.subsystem, origin: group[0]!.origin, carriers: group, peers, secondary });
      }
    }
    return result;
  }

  private returnHandoffs(f: FunctionFacts): LockHandoff[] {
    if (ts.isSourceFile(f.info.node)) return [];
    const callers = (this.analysis.callers.get(f.info.key) ?? []).filter((s) => s.targets.includes(f.info.key));
    if (callers.length === 0) return [];
    const result: LockHandoff[] = [];
    const peers = dedupePeers(callers.map((s) => ({ subsystem: this.reader.subsystemOfFunction(s.caller), function: s.caller, name: this.reader.displayName(s.caller), site: s })));
    const returned = new Set<string>();
    for (const r of f.returns) {
      const exit = f.exits.find((e) => e.node === r.node);
      const source = this.reader.sourceOf(f, r.lock, { held: exit?.held });
      if (!source) continue;
      const node = returnedExpression(r.node);
      const uses: LockUse[] = r.what === 'releaser' ? ['release'] : [];
      const carriers = 'origin' in source
        ? [{ origin: source.origin, as: r.what, uses, path: [], node }]
        : this.received(source.param).map((c) => ({ ...c, node }));
      for (const group of byLock(carriers)) {
        returned.add(group[0]!.origin.lock.id);
        result.push({ kind: 'return', node, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers });
      }
    }
    // an acquire wrapper hands its caller a held lock even when it returns nothing
    for (const lock of this.analysis.summaries.get(f.info.key)?.heldOnExit ?? []) {
      if (lock.paramIndex !== undefined || returned.has(lock.id) || this.reader.releaserEscapes(f, lock.id)) continue;
      const exit = f.exits.find((e) => e.held.some((h) => h.lock.id === lock.id));
      const origin = this.reader.originIn(f, lock, { held: exit?.held });
      const node = exit && ts.isReturnStatement(exit.node) ? exit.node : nameNode(f.info);
      result.push({ kind: 'return', node, function: f.info.key, subsystem: f.info.subsystem, origin, carriers: [{ origin, as: 'held', uses: ['release'], path: [], node }], peers });
    }
    return result;
  }

  private storeHandoffs(f: FunctionFacts): LockHandoff[] {
    const result: LockHandoff[] = [];
    for (const store of f.stores) {
      const owner = this.reader.placeOwner(store.target);
      if (!owner) continue;
      const carriers: LockCarrier[] = [];
      for (const value of store.values) {
        const source = this.reader.sourceOf(f, value.lock);
        if (!source) continue;
        if ('origin' in source) carriers.push({ origin: source.origin, as: value.what, uses: value.what === 'releaser' ? ['release'] : [], path: [], node: storedValue(store.node) });
        else for (const c of this.received(source.param)) carriers.push({ ...c, node: storedValue(store.node) });
      }
      const peer = { subsystem: owner, name: `${owner}.${store.target.getText()}` };
      for (const group of byLock(dedupeCarriers(carriers))) {
        result.push({ kind: 'store', node: storedValue(store.node), function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers: [peer] });
      }
    }
    // `other.queue.push(release)`: a library method that keeps its argument in the receiver
    for (const site of f.calls) {
      const callee = stripExpression(site.node.expression);
      if (site.targets.length || !ts.isPropertyAccessExpression(callee) || !ENTRY_WRITES.has(callee.name.text)) continue;
      if (!templatesAt(this.state, site)) continue;
      const owner = this.reader.placeOwner(callee.expression);
      if (!owner) continue;
      const peer = { subsystem: owner, name: `${owner}.${callee.expression.getText()}` };
      for (const [index, carriers] of this.argumentsOf(site)) {
        for (const group of byLock(carriers)) {
          result.push({ kind: 'store', node: site.node.arguments![index]!, function: f.info.key, subsystem: f.info.subsystem, origin: group[0]!.origin, carriers: group, peers: [peer], site });
        }
      }
    }
    return result;
  }

  private received(ref: ParamRef): LockCarrier[] {
    return this.state.params.get(ref.function)?.get(ref.index) ?? [];
  }

  // ------------------------------------------------------------ foreign releases

  private usesOf(f: FunctionFacts): ForeignLockUse[] {
    let uses = this.uses.get(f.info.key);
    if (uses) return uses;
    uses = [];
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
    this.uses.set(f.info.key, uses);
    return uses;
  }

  /** Release functions stored into fields, by field, in the facts' order of the functions that store them. */
  private fieldReleasers(): Map<string, FieldStore[]> {
    if (this.fields) return this.fields;
    const byField = new Map<string, FieldStore[]>();
    for (const f of this.inOrder(this.state.fieldStores.keys())) {
      for (const store of this.state.fieldStores.get(f.info.key)!) byField.set(store.field, [...(byField.get(store.field) ?? []), store]);
    }
    this.fields = byField;
    return byField;
  }

  /**
   * `ticket.onSettled?.()` in a subsystem that does not own the lock whose releaser another
   * function stored into that field: the release reached it through the structure.
   */
  private fieldInvocations(f: FunctionFacts, site: CallSite): ForeignLockUse[] {
    const callee = stripExpression(site.node.expression);
    if (site.targets.length || !ts.isPropertyAccessExpression(callee) || this.state.fieldStores.size === 0) return [];
    const field = this.reader.fieldOf(callee.name);
    const stored = field ? this.fieldReleasers().get(field.key) : undefined;
    if (!field || !stored) return [];
    const seen = new Set<string>();
    return stored
      .filter((s) => s.origin.owner !== f.info.subsystem && s.storedBy !== f.info.key)
      .filter((s) => !seen.has(s.origin.lock.id) && !!seen.add(s.origin.lock.id))
      .map((s) => ({ function: f.info.key, node: site.node, seq: site.seq, use: 'release' as const, origin: s.origin, through: { kind: 'field' as const, field: field.name, storedBy: s.storedBy, stored: s.stored } }));
  }

  /** A release operation in `f` of a lock `f` did not take. */
  private foreignRelease(f: FunctionFacts, lock: LockIdentity, node: ts.Node, seq: number, held: readonly HeldLock[]): ForeignLockUse[] {
    const entry = held.find((h) => h.lock.id === lock.id);
    if (lock.paramIndex !== undefined) {
      const source = this.reader.sourceOf(f, lock);
      if (!source || 'origin' in source) return [];
      const carriers = dedupeByLock(this.received(source.param));
      return carriers.map((carrier) => ({
        function: f.info.key,
        node,
        seq,
        use: 'release' as const,
        origin: carrier.origin,
        through: { kind: 'parameter' as const, function: source.param.function, param: this.reader.parameterName(source.param), carrier },
      }));
    }
    if (entry && entry.via === 'callback') {
      return [{ function: f.info.key, node, seq, use: 'release', origin: this.reader.originIn(f, lock, { held }), through: { kind: 'region', at: entry.acquiredAt } }];
    }
    if (entry && !isInside(entry.acquiredAt, f.info.node)) return []; // a closure of the code that took it
    const origin = this.reader.originIn(f, lock, { held, seq });
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
      ref = this.reader.parameterRef(callee.expression);
      member = callee.name.text;
    }
    if (!ref) return [];
    const received = this.received(ref);
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
          through: { kind: 'parameter', function: ref.function, param: this.reader.parameterName(ref), member, carrier },
        });
      }
    }
    return result;
  }

  // ------------------------------------------------------------ temporarily dropping a lock

  private dropsOf(f: FunctionFacts): LockDrop[] {
    let drops = this.dropsBy.get(f.info.key);
    if (drops) return drops;
    drops = [];
    for (const list of this.lockEvents(f).values()) {
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
    this.dropsBy.set(f.info.key, drops);
    return drops;
  }

  /** `release(); …; release = await mu.acquire();`: the re-acquire hands its releaser to the variable just called. */
  private sameReleaser(release: LockEvent, reacquire: LockEvent): boolean {
    if (!release.through || !ts.isIdentifier(release.through)) return false;
    let node: ts.Node = reacquire.node;
    while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent))) node = node.parent;
    const assignment = node.parent;
    if (!assignment || !ts.isBinaryExpression(assignment) || assignment.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(assignment.left)) return false;
    const checker = this.analysis.checker;
    const called = symbolAt(checker, release.through);
    return !!called && called === symbolAt(checker, assignment.left);
  }

  /** Releases and acquisitions of each lock in `f`, its own and those made through parameters. */
  private lockEvents(f: FunctionFacts): Map<string, LockEvent[]> {
    const events = new Map<string, LockEvent[]>();
    const add = (event: LockEvent) => {
      const list = events.get(event.origin.lock.id) ?? [];
      if (!list.some((e) => e.node === event.node && e.use === event.use)) list.push(event);
      events.set(event.origin.lock.id, list);
    };
    const heldOnEntry = this.analysis.summaries.get(f.info.key)?.heldOnEntry;
    for (const use of this.usesOf(f)) {
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
          add({ node: site.node, seq: site.seq, use, origin: this.reader.originIn(f, l, site), held: site.held.some((h) => h.lock.id === l.id) });
        }
      }
    }
    for (const op of f.lockOps) {
      if (op.op.lock.paramIndex !== undefined) continue;
      const use: LockUse | undefined = op.op.kind === 'release' ? 'release' : ['acquire', 'try-acquire'].includes(op.op.kind) ? 'acquire' : undefined;
      if (!use) continue;
      add({ node: op.node, seq: op.seq, use, origin: this.reader.originIn(f, op.op.lock, { held: op.held, seq: op.seq }), held: op.held.some((h) => h.lock.id === op.op.lock.id), through: op.through });
    }
    return events;
  }
}

interface LockEvent {
  node: ts.Node;
  seq: number;
  use: LockUse;
  origin: ForeignLockUse['origin'];
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
    if (write.initialises) continue;
    const read = reads.find((r) => r.state === write.state);
    if (read && !result.some((s) => s.state === write.state)) result.push({ state: write.state, read: read.node, write: write.node });
  }
  return result;
}

/** `return release;` is reported on `release`, the value that crosses. */
function returnedExpression(node: ts.Node): ts.Node {
  return ts.isReturnStatement(node) && node.expression ? node.expression : node;
}

function nameNode(info: FunctionInfo): ts.Node {
  const node = info.node;
  if (!ts.isSourceFile(node) && node.name) return node.name;
  return node;
}

function dedupeCarriers(carriers: LockCarrier[]): LockCarrier[] {
  const seen = new Set<string>();
  return carriers.filter((c) => !seen.has(carrierKey(c)) && !!seen.add(carrierKey(c)));
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

function dedupePeers<P extends { subsystem: string; name: string }>(peers: P[]): P[] {
  const seen = new Set<string>();
  return peers
    .filter((p) => !seen.has(`${p.subsystem}|${p.name}`) && !!seen.add(`${p.subsystem}|${p.name}`))
    .sort((a, b) => a.subsystem.localeCompare(b.subsystem) || a.name.localeCompare(b.name));
}
