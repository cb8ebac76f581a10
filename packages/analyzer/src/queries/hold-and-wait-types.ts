import type ts from 'typescript';
import type { CallSite, ChainLink, HeldLock, LockIdentity } from '../types.js';

/**
 * Which object a lock lives in, as far as the two ends of a nesting can be compared. Lock
 * identities are per class (`Class#field`); the instance is a path from a root object:
 * `global` for locks that exist once (module bindings, static fields, keyed names, files),
 * `this`, `this::pdf:PdfRenderer::footer:Footer` (each field with its declared class),
 * `binding:src/a.ts#registry`, `local:<function>#from`, or
 * `unknown`. Two ends are different locks only when their roots are different objects named
 * directly (`from.mu` and `to.mu`, `this.mu` and `other.mu`); through fields, the program
 * may have wired the same object in (`new Footer(this)`), so the class identity stands.
 */
export type LockInstance = string;

/** A lock a function waits to acquire when it is called and awaited, with the path to the acquiring call. */
export interface Acquisition {
  lock: LockIdentity;
  /** From the function (or call site) the acquisition is seen from, to the acquiring call; the last link names the API. */
  chain: ChainLink[];
  /** The lock API call that acquires. */
  at: ts.Node;
  api: string;
  /** Locks given up on the way (released without having been taken there): a holder of these no longer holds them. */
  releasedBefore: LockIdentity[];
  instance: LockInstance;
  /** A shared-mode acquisition (Web Locks `mode: 'shared'`). */
  shared: boolean;
}

/** A call made while holding a lock, that waits for the acquisition of a lock: one edge of hold-and-wait. */
export interface HoldAndWait {
  /** The call made while `held` is held (the outermost point where both ends meet). */
  site: CallSite;
  function: string;
  held: HeldLock;
  heldInstance: LockInstance;
  heldShared: boolean;
  /** What the call waits for; its chain starts at `site`. */
  acquisition: Acquisition;
  /**
   * Other locks definitely held around this wait, on every path into it (including every caller's):
   * code that only runs under one of them is serialized by it, whatever it nests inside.
   */
  gates: string[];
}

export interface HoldAndWaitResult {
  /** Per function: what it waits to acquire when awaited (keyed by lock id, instance and mode). */
  acquisitions: ReadonlyMap<string, ReadonlyMap<string, Acquisition>>;
  events: readonly HoldAndWait[];
  /** Per function: global locks held by every path that reaches it. */
  entryGates: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Per function: what it waits to acquire, keyed by lock id, instance and mode (see `acquisitionKey`). */
export type Acquisitions = ReadonlyMap<string, Acquisition>;

export function acquisitionKey(a: Acquisition): string {
  return `${a.lock.id}\0${a.instance}\0${a.shared ? 's' : 'x'}`;
}
