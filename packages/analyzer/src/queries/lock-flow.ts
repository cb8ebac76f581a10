import type ts from 'typescript';
import type { Analysis } from '../analysis.js';
import type { CallSite, FunctionFacts, HeldLock, LockIdentity, LockValueKind, SharedAccess, TraceStep } from '../types.js';
import { FlowOutputs } from './lock-flow-outputs.js';
import { FlowReader } from './lock-flow-reader.js';
import { buildState, updateState, type FlowState } from './lock-flow-state.js';
import { factsInScope, scopeKey, type FileScope } from './scope.js';
import { takesNoLock } from './lock-free.js';

/**
 * Where lock values go: the releasers, handles, guards and locks themselves, and the callbacks
 * and objects that release or re-acquire a lock, followed from the function that made them
 * through arguments, parameters, return values and stores. Knowledge-pollution rules and the
 * audit read this one result. What parameters receive spans the program and is carried from
 * one program version to the next (lock-flow-state.ts); what is reported is computed for the
 * files a face asks about (lock-flow-outputs.ts).
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

/** What the lock flow reports: for the whole program, or for the functions of some files. */
export interface LockFlowFindings {
  handoffs: LockHandoff[];
  foreignUses: ForeignLockUse[];
  drops: LockDrop[];
  /** Located at the call that crosses (and the writes after it), in the caller. */
  calleeReleases: CalleeRelease[];
}

export interface LockFlow extends LockFlowFindings {
  /** What each parameter receives, by function key and parameter index. */
  params: ReadonlyMap<string, ReadonlyMap<number, LockCarrier[]>>;
  /**
   * The findings located in the scope's files (each list: the whole program's, restricted to
   * them), computed only for those files; the whole program's without a scope.
   */
  within(scope: FileScope | undefined): LockFlowFindings;
  /** The carriers a call's arguments pass, by argument index. */
  argumentsOf(site: CallSite): ReadonlyMap<number, LockCarrier[]>;
  /** `storage.append`: a function as messages name it, prefixed by its subsystem. */
  displayName(key: string): string;
}

const cache = new WeakMap<Analysis, LockFlow>();

export function lockFlow(analysis: Analysis): LockFlow {
  let flow = cache.get(analysis);
  if (!flow) {
    flow = createFlow(analysis);
    cache.set(analysis, flow);
  }
  return flow;
}

const NO_FINDINGS: LockFlowFindings = { handoffs: [], foreignUses: [], drops: [], calleeReleases: [] };

function createFlow(analysis: Analysis): LockFlow {
  let reader = new FlowReader(analysis);
  // no lock value is made anywhere: none goes anywhere (and nothing is carried to the next version)
  if (takesNoLock(analysis)) {
    return { ...NO_FINDINGS, params: new Map(), within: () => NO_FINDINGS, argumentsOf: () => new Map(), displayName: (key) => reader.displayName(key) };
  }
  let state = analysis.carry<FlowState>('lock-flow', (previous) => (previous && updateState(previous.value, previous.delta, reader)) ?? buildState(reader));
  const version = state.version;
  let outputs = new FlowOutputs(reader, state);
  /** The outputs of this analysis's state; rebuilt from scratch if a later program version took the carried one over. */
  const current = (): FlowOutputs => {
    if (state.version !== version && !ownState) {
      reader = new FlowReader(analysis);
      state = buildState(reader);
      outputs = new FlowOutputs(reader, state);
      ownState = true;
    }
    return outputs;
  };
  let ownState = false;
  const findings = (functions: readonly FunctionFacts[] | undefined): LockFlowFindings => {
    const all = functions ?? [...analysis.facts.values()];
    const outputs = current();
    return {
      handoffs: outputs.handoffs(all),
      foreignUses: outputs.foreignUses(all),
      drops: outputs.drops(all),
      calleeReleases: outputs.calleeReleases(functions),
    };
  };
  let whole: LockFlowFindings | undefined;
  const scoped = new Map<string, LockFlowFindings>();
  const within = (scope: FileScope | undefined): LockFlowFindings => {
    if (!scope) return (whole ??= findings(undefined));
    const key = scopeKey(scope);
    let result = scoped.get(key);
    // the scope's files' functions, in the facts' order: a lookup per file, not a pass over the program
    if (!result) scoped.set(key, (result = findings([...factsInScope(analysis, scope)])));
    return result;
  };
  return {
    get params() {
      current();
      return state.params;
    },
    get handoffs() {
      return within(undefined).handoffs;
    },
    get foreignUses() {
      return within(undefined).foreignUses;
    },
    get drops() {
      return within(undefined).drops;
    },
    get calleeReleases() {
      return within(undefined).calleeReleases;
    },
    within,
    argumentsOf: (site) => current().argumentsOf(site),
    displayName: (key) => reader.displayName(key),
  };
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

