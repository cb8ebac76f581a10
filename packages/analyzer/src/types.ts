import type { ReadonlyStateSet } from './summaries/state-set.js';
import type ts from 'typescript';

/** 1-based lines and columns; `file` is an absolute, normalised (POSIX) path. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One step of the proof behind a finding or a summary fact. */
export interface TraceStep {
  location: SourceLocation;
  message: string;
}

/** How a lock was recognised: by the declaration its type resolves to, by shape, or by the user. */
export type Recognition =
  | { by: 'library'; library: string }
  | { by: 'shape'; shape: HandRolledShape; confirmed?: boolean }
  | { by: 'config' }
  | { by: 'jsdoc' };

export type HandRolledShape =
  | 'releaser-promise'
  | 'resolver-queue'
  | 'promise-chain'
  | 'disposable-guard';

/** What kind of exclusion a lock grants; decides reentrancy questions and read/write upgrades. */
export type LockKind = 'mutex' | 'semaphore' | 'keyed' | 'rw' | 'file' | 'distributed' | 'web-lock' | 'sync';

/**
 * The abstract place a lock lives. `id` is stable across runs and machines:
 * `Class#field`, `src/file.ts#binding`, `Class#field['literal']`, `navigator.locks['name']`.
 */
export interface LockIdentity {
  id: string;
  /** Lock model entry that governs it (library id, 'hand-rolled' or 'user'). */
  library: string;
  kind: LockKind;
  reentrant: boolean;
  /** When the lock is a parameter of the function being summarised: its index, substituted at call sites. */
  paramIndex?: number;
  /** For keyed locks: the literal key, or undefined when the key is not a literal. */
  key?: string;
  keyed?: boolean;
}

export interface LockInfo {
  id: string;
  library: string;
  kind: LockKind;
  reentrant: boolean;
  recognition: Recognition;
  declaredAt?: SourceLocation;
  /** Subsystem that owns the lock: where it is declared. */
  subsystem: string;
  acquireSites: SourceLocation[];
  /** Every subsystem with code that acquires, releases, receives or holds it. */
  subsystemsTouching: string[];
}

/** A function body the analysis walks; a source file stands for its top-level code. */
export type FunctionNode = ts.FunctionLikeDeclaration | ts.SourceFile;

/** A function-like node of the program: declarations, methods, accessors, constructors, arrows, function expressions. */
export interface FunctionInfo {
  /**
   * Stable key: `relative/file.ts#Qualified.name`; an anonymous function is named by its place
   * among those of the function around it (`file.ts#Class.method>#2`), which typing a line
   * elsewhere does not move.
   */
  key: string;
  /** The key as a reader finds the function: an anonymous one by line and column (`file.ts#Class.method>@12:5`). */
  label: string;
  name: string;
  node: FunctionNode;
  sourceFile: ts.SourceFile;
  subsystem: string;
  location: SourceLocation;
  isAsync: boolean;
  isGenerator: boolean;
  /** Declared in an ambient context (`.d.ts`, `declare`), so it has no body to analyse. */
  hasBody: boolean;
  /** Set when the function is a callback written inline as an argument: the call that receives it. */
  inlineArgumentOf?: { call: ts.CallExpression | ts.NewExpression; argIndex: number; enclosing: string };
  /** JSDoc tags relevant to the analysis: blocking, nonBlocking, noBlocking, requires, excludes, acquires, releases, lock. */
  tags: Map<string, string[]>;
}

/** A lock known to be held at a program point. */
export interface HeldLock {
  lock: LockIdentity;
  /** Where it was taken (the acquire call, the callback-running call, the `using` declaration). */
  acquiredAt: ts.Node;
  via: 'acquire' | 'callback' | 'using' | 'wrapper' | 'entry';
  /** False when held on some but not all paths into this point. */
  definite: boolean;
}

/** How a callee runs a callback it receives. */
export type InvocationMode =
  /** called synchronously or awaited before the callee returns (forEach, map, a user helper that calls it) */
  | { mode: 'immediate' }
  /** called while the callee holds these locks (runExclusive, a lock wrapper) */
  | { mode: 'under-lock'; locks: LockIdentity[]; via: ts.Node }
  /** scheduled to run later (setTimeout, queueMicrotask, then, an event listener, a stored callback) */
  | { mode: 'deferred'; api: string }
  | { mode: 'unknown' };

export type ExternalCallKind =
  /** `returnsPromise`: the operation's declaration says it returns a promise (unset when its type must be asked). */
  | { kind: 'blocking'; operation: string; returnsPromise?: true }
  | { kind: 'lock-op'; op: LockOperation }
  /** `returnsPromise` is false in a program without lock types (it takes no lock): nothing asks, and typing the call costs. */
  | { kind: 'external'; module: string; name: string; returnsPromise: boolean }
  | { kind: 'callback-api'; name: string; timing: 'immediate' | 'deferred' }
  | { kind: 'emit'; name: string }
  | { kind: 'promise-combinator'; name: string }
  | { kind: 'non-blocking'; name: string }
  | { kind: 'unresolved' };

export type LockOpKind =
  | 'acquire'
  | 'try-acquire'
  | 'release'
  | 'run-callback'
  | 'wait-unlock'
  | 'extend'
  | 'cancel'
  | 'condition-wait';

export interface LockOperation {
  kind: LockOpKind;
  lock: LockIdentity;
  /** What `acquire` produces: a releaser function, a handle with `release()/unlock()`, nothing (the receiver is released), a tuple with a releaser. */
  yields?: 'releaser' | 'handle' | 'none' | 'tuple-releaser';
  /** For run-callback: the argument index of the callback (-1: the last argument). */
  callbackArg?: number;
  /** Name of the API as written in messages, e.g. `Mutex.runExclusive`. */
  api: string;
  /** Further locks taken by the same call: async-lock key arrays, redlock resource arrays. */
  also?: LockIdentity[];
}

export interface CallSite {
  node: ts.CallExpression | ts.NewExpression;
  /** Order of the event in the walk of its function (flow order along straight-line code). */
  seq: number;
  /** The callee as written, for messages (`storage.appendEntry`). */
  calleeText: string;
  /** Function that contains the call. */
  caller: string;
  /** User functions it may reach (several for interface or abstract dispatch). */
  targets: string[];
  external?: ExternalCallKind;
  /** Awaited (directly, or its promise returned/yielded) where it is made. */
  awaited: boolean;
  returned: boolean;
  /** Result thrown away as a statement (a floating promise if it is one). */
  discarded: boolean;
  /** `void f()` */
  voided: boolean;
  /** Locks held at the call, from what the caller itself acquired and from its callback context. */
  held: HeldLock[];
  /** Arguments that are functions: inline ones are FunctionInfos with their own facts; references resolve to keys. */
  callbackArgs: { argIndex: number; fn: string; inline: boolean }[];
  /** Arguments that carry a lock, releaser or handle, per argument index. */
  lockArgs: { argIndex: number; lock: LockIdentity; what: LockValueKind; node: ts.Node }[];
  /** The callee is a parameter (of this function or an enclosing one): a callback being run. */
  calleeParam?: { function: string; index: number };
  /** Arguments that forward a parameter of this function (or an enclosing one). */
  paramArgs: { argIndex: number; function: string; index: number }[];
}

/** What a call to a user function does to locks, as far as its callers need to know. */
export interface WrapperSummary {
  /** Locks still held when it returns (an acquire wrapper). */
  heldOnExit: LockIdentity[];
  /** Locks it releases that it did not take (a release wrapper). */
  releasedOnExit: LockIdentity[];
  /** A lock value it hands back: a releaser, handle or the lock itself. */
  returns?: { lock: LockIdentity; what: LockValueKind };
  /** Parameters it runs as callbacks while holding locks (a lock wrapper). */
  paramsUnderLock: Map<number, LockIdentity[]>;
  /** Parameters it runs as callbacks before returning, without a lock. */
  paramsImmediate: Set<number>;
  /** Where the wrapper takes the lock, for traces. */
  at?: ts.Node;
}

/** What a value is with respect to a lock. */
export type LockValueKind = 'lock' | 'releaser' | 'handle' | 'guard';

export interface YieldPoint {
  node: ts.AwaitExpression | ts.ForOfStatement | ts.YieldExpression;
  seq: number;
  held: HeldLock[];
  /** The call whose promise is awaited, if the operand is a call. */
  call?: CallSite;
}

/** A region of code that runs while a lock is held. */
export interface HeldRegion {
  lock: LockIdentity;
  function: string;
  kind: 'acquire-release' | 'callback' | 'using' | 'wrapper-callback';
  start: ts.Node;
  /** Release points seen; empty when the region lasts to the end of the function (callbacks, using). */
  releases: ts.Node[];
}

/** One link in a chain of calls: the call site and the function it enters (or the blocking operation it reaches). */
export interface ChainLink {
  /** Key of the function containing the call. */
  from: string;
  call: ts.Node;
  /** Function entered, or undefined when the link ends at an operation. */
  to?: string;
  /** Description of the final operation (`fs.promises.writeFile`, `Mutex.acquire`). */
  operation?: string;
}

export interface BlockingFact {
  /** Chain from this function to a real blocking operation; the last link names the operation. */
  chain: ChainLink[];
}

export interface AcquireFact {
  lock: LockIdentity;
  chain: ChainLink[];
}

export interface ParamInvocation {
  index: number;
  invocation: InvocationMode;
}

export interface FunctionSummary {
  key: string;
  /** Undefined: this function does not block when awaited. */
  mayBlock?: BlockingFact;
  /** Per subsystem crossed on some blocking chain, a witness chain. */
  blockingThrough: Map<string, BlockingFact>;
  /** Locks this function (or anything it awaits or calls synchronously) acquires, with a witness chain. */
  acquires: Map<string, AcquireFact>;
  /** Locks still held when the function returns (acquire wrappers such as `lockM1()`). */
  heldOnExit: LockIdentity[];
  /** Locks released on exit that were not acquired here (`unlockM1Wrap()`). */
  releasedOnExit: LockIdentity[];
  /** The function returns a releaser, a handle or a lock to its caller. */
  returnsLockValue?: { lock: LockIdentity; what: LockValueKind; node: ts.Node };
  /** How each function-typed parameter is invoked. */
  params: ParamInvocation[];
  /** Locks that may be held on entry (from every caller and callback context), with the call that holds them. */
  heldOnEntry: Map<string, { lock: LockIdentity; via: ChainLink[] }>;
  /**
   * Shared state read and written (directly or through callees that run synchronously or are
   * awaited). A constructor setting its own object's fields writes nothing shared (see
   * `SharedAccess.initialises`).
   */
  reads: ReadonlyStateSet;
  writes: ReadonlyStateSet;
}

export interface FunctionFacts {
  info: FunctionInfo;
  calls: CallSite[];
  yields: YieldPoint[];
  lockOps: LockOpSite[];
  regions: HeldRegion[];
  /** Locks held when control leaves the function normally (return or end of body), per exit. */
  exits: { node: ts.Node; held: HeldLock[] }[];
  /** Direct reads and writes of shared state by this function's own code. */
  reads: SharedAccess[];
  writes: SharedAccess[];
  /** Lock values written into fields or bindings (`registry.current = { release }`). */
  stores: { node: ts.Node; target: ts.Expression; values: { lock: LockIdentity; what: LockValueKind }[] }[];
  /** Lock values returned to the caller. */
  returns: { node: ts.Node; lock: LockIdentity; what: LockValueKind }[];
  /** `throw` statements, with the locks held when they run (before any enclosing `finally`). */
  throws: { node: ts.ThrowStatement; held: HeldLock[] }[];
  /** `break`/`continue`, with the locks held when control reaches their target (after the `finally` blocks they leave). */
  jumps: { node: ts.BreakOrContinueStatement; held: HeldLock[] }[];
}

export interface LockOpSite {
  node: ts.Node;
  seq: number;
  op: LockOperation;
  /** Locks held just before the operation. */
  held: HeldLock[];
  awaited: boolean;
  discarded: boolean;
  /** For try-acquire: the result was tested before the lock was relied on. */
  checked?: boolean;
  /** For releases through a releaser/handle: the value that was called. */
  through?: ts.Node;
  /** The program's declaration of the lock the operation is called on (`this.mutex` → the field), for the inventory. */
  declaration?: ts.Node;
}

export interface SharedAccess {
  seq: number;
  /** `Class#field`, `src/file.ts#binding`, `Class#field[]` for map/set entries, `fnKey:captured` for captured locals. */
  state: string;
  node: ts.Node;
  held: HeldLock[];
  /**
   * A constructor setting its own object's field (`this.x = v` in its body): the object is new, so
   * no read from before an await can see the write, and it is no write of shared state to the
   * summaries. It still stores what it writes (a callback parameter kept for later).
   */
  initialises?: true;
}

export interface AnalysisDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  location?: SourceLocation;
}

export interface AnalysisStats {
  files: number;
  functions: number;
  callEdges: number;
  locks: number;
  heldRegions: number;
  ms: number;
}
