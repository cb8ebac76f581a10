import type { LockKind, LockOpKind } from '../types.js';

/**
 * How one API of a lock library acts on its lock. The table below is the whole of
 * lockwise's knowledge of lock libraries: recognition looks a resolved declaration up
 * here by (package, declaring type, member), never by the name of a variable.
 */
export type ApiModel =
  | { op: 'acquire'; yields: 'releaser' | 'handle' | 'none' | 'tuple-releaser'; keyArg?: number; tryOnly?: boolean }
  | { op: 'try-acquire' }
  | { op: 'release'; handleArg?: number; keyArg?: number }
  | { op: 'run-callback'; callbackArg: number | 'last'; keyArg?: number; optionsArg?: number }
  /** Both at once: mutexify's `lock(cb)` runs cb under the lock, `lock()` resolves to a releaser. */
  | { op: 'acquire-or-run'; callbackArg: number }
  | { op: 'wait-unlock' }
  | { op: 'extend' }
  | { op: 'cancel' }
  | { op: 'condition-wait'; lockArg: number }
  /** `withTimeout(lock, ms)`, `tryAcquire(lock)`: the result is the same lock seen through a decorator. */
  | { op: 'decorate'; lockArg: number; makesTry?: boolean };

export interface LockTypeModel {
  /** `lock` types are the lock itself; `handle` types are what an acquire hands back (redlock's Lock, esfx's LockHandle). */
  role: 'lock' | 'handle' | 'releaser';
  kind: LockKind;
  reentrant?: boolean;
  members: Record<string, ApiModel>;
}

export interface LockLibraryModel {
  id: string;
  /** npm package names (as in their package.json) whose declarations this entry describes; '@types/x' counts as 'x'. */
  packages: string[];
  kind: LockKind;
  reentrant: boolean;
  /** Option that makes the lock reentrant when passed to its constructor (`new AsyncLock({ domainReentrant: true })`). */
  reentrantOption?: string;
  /** Declared types, by the name of the class or interface that declares the member. */
  types: Record<string, LockTypeModel>;
  /** Free functions exported by the package. */
  functions?: Record<string, ApiModel>;
  /** Call signatures of callable lock types (`mutexify()` returns a callable lock), by type name. */
  callables?: Record<string, ApiModel>;
}

/** Member name used for a type's call signature (`lock()` where `lock: Lock`). */
export const CALL_SIGNATURE = '()';

const asyncMutexLock: LockTypeModel['members'] = {
  acquire: { op: 'acquire', yields: 'releaser' },
  runExclusive: { op: 'run-callback', callbackArg: 0 },
  release: { op: 'release' },
  waitForUnlock: { op: 'wait-unlock' },
  cancel: { op: 'cancel' },
};
const asyncMutexSemaphore: LockTypeModel['members'] = {
  ...asyncMutexLock,
  acquire: { op: 'acquire', yields: 'tuple-releaser' },
};

export const LOCK_LIBRARIES: readonly LockLibraryModel[] = [
  {
    id: 'async-mutex',
    packages: ['async-mutex'],
    kind: 'mutex',
    reentrant: false,
    types: {
      Mutex: { role: 'lock', kind: 'mutex', members: asyncMutexLock },
      MutexInterface: { role: 'lock', kind: 'mutex', members: asyncMutexLock },
      Semaphore: { role: 'lock', kind: 'semaphore', members: asyncMutexSemaphore },
      SemaphoreInterface: { role: 'lock', kind: 'semaphore', members: asyncMutexSemaphore },
      Releaser: { role: 'releaser', kind: 'mutex', members: {} },
    },
    functions: {
      withTimeout: { op: 'decorate', lockArg: 0 },
      tryAcquire: { op: 'decorate', lockArg: 0, makesTry: true },
    },
  },
  {
    id: 'await-lock',
    packages: ['await-lock'],
    kind: 'mutex',
    reentrant: false,
    types: {
      AwaitLock: {
        role: 'lock',
        kind: 'mutex',
        members: {
          acquireAsync: { op: 'acquire', yields: 'none' },
          tryAcquire: { op: 'try-acquire' },
          release: { op: 'release' },
        },
      },
    },
  },
  {
    id: 'async-lock',
    packages: ['async-lock'],
    kind: 'keyed',
    reentrant: false,
    reentrantOption: 'domainReentrant',
    types: {
      AsyncLock: {
        role: 'lock',
        kind: 'keyed',
        members: { acquire: { op: 'run-callback', callbackArg: 1, keyArg: 0, optionsArg: 3 } },
      },
      // callback style: `lock.acquire(key, (done) => …)`, the lock is held until `done()` is called
      AsyncLockDoneCallback: { role: 'releaser', kind: 'keyed', members: {} },
    },
  },
  {
    id: 'web-locks',
    packages: ['typescript/lib'],
    kind: 'web-lock',
    reentrant: false,
    types: {
      LockManager: {
        role: 'lock',
        kind: 'web-lock',
        members: { request: { op: 'run-callback', callbackArg: 'last', keyArg: 0 } },
      },
      // the handle `request(name, (lock) => …)` passes to its callback: a lock value that can be handed on
      Lock: { role: 'handle', kind: 'web-lock', members: {} },
    },
  },
  {
    id: 'proper-lockfile',
    packages: ['proper-lockfile'],
    kind: 'file',
    reentrant: false,
    types: {},
    functions: {
      lock: { op: 'acquire', yields: 'releaser', keyArg: 0 },
      lockSync: { op: 'acquire', yields: 'releaser', keyArg: 0 },
      unlock: { op: 'release', keyArg: 0 },
      unlockSync: { op: 'release', keyArg: 0 },
    },
  },
  {
    id: 'redlock',
    packages: ['redlock'],
    kind: 'distributed',
    reentrant: false,
    types: {
      // 4.x: lock/unlock/extend/disposer; 5.x: acquire/release/extend/using. Both declare class Redlock.
      Redlock: {
        role: 'lock',
        kind: 'distributed',
        members: {
          lock: { op: 'acquire', yields: 'handle', keyArg: 0 },
          acquire: { op: 'acquire', yields: 'handle', keyArg: 0 },
          disposer: { op: 'acquire', yields: 'handle', keyArg: 0 },
          unlock: { op: 'release', handleArg: 0 },
          release: { op: 'release', handleArg: 0 },
          extend: { op: 'extend' },
          using: { op: 'run-callback', callbackArg: 'last', keyArg: 0 },
        },
      },
      Lock: {
        role: 'handle',
        kind: 'distributed',
        members: { unlock: { op: 'release' }, release: { op: 'release' }, extend: { op: 'extend' } },
      },
    },
  },
  {
    id: 'mutexify',
    packages: ['mutexify'],
    kind: 'mutex',
    reentrant: false,
    types: { Release: { role: 'releaser', kind: 'mutex', members: {} } },
    callables: { Lock: { op: 'acquire-or-run', callbackArg: 0 } },
  },
  {
    id: 'semaphore-async-await',
    packages: ['semaphore-async-await'],
    kind: 'semaphore',
    reentrant: false,
    types: {
      Semaphore: {
        role: 'lock',
        kind: 'semaphore',
        members: {
          acquire: { op: 'acquire', yields: 'none' },
          wait: { op: 'acquire', yields: 'none' },
          waitFor: { op: 'acquire', yields: 'none', tryOnly: true },
          tryAcquire: { op: 'try-acquire' },
          release: { op: 'release' },
          signal: { op: 'release' },
          execute: { op: 'run-callback', callbackArg: 0 },
        },
      },
      Lock: {
        role: 'lock',
        kind: 'mutex',
        members: {
          acquire: { op: 'acquire', yields: 'none' },
          wait: { op: 'acquire', yields: 'none' },
          tryAcquire: { op: 'try-acquire' },
          release: { op: 'release' },
          signal: { op: 'release' },
          execute: { op: 'run-callback', callbackArg: 0 },
        },
      },
    },
  },
  {
    id: '@esfx/async-mutex',
    packages: ['@esfx/async-mutex', '@esfx/async-lockable'],
    kind: 'mutex',
    reentrant: false,
    types: {
      AsyncMutex: {
        role: 'lock',
        kind: 'mutex',
        members: {
          lock: { op: 'acquire', yields: 'handle' },
          tryLock: { op: 'try-acquire' },
          unlock: { op: 'release' },
        },
      },
      LockHandle: {
        role: 'handle',
        kind: 'mutex',
        members: { unlock: { op: 'release' } },
      },
    },
  },
];

/** Ops that end with the lock held once their promise settles. */
export const ACQUIRING_OPS: ReadonlySet<LockOpKind> = new Set(['acquire', 'try-acquire']);

/** Shared by user-declared (`@lock`, configuration) locks: the conventional method names of a lock class. */
export const CONVENTIONAL_MEMBERS: Record<string, ApiModel> = {
  acquire: { op: 'acquire', yields: 'releaser' },
  acquireAsync: { op: 'acquire', yields: 'none' },
  lock: { op: 'acquire', yields: 'releaser' },
  tryAcquire: { op: 'try-acquire' },
  tryLock: { op: 'try-acquire' },
  release: { op: 'release' },
  unlock: { op: 'release' },
  runExclusive: { op: 'run-callback', callbackArg: 0 },
  withLock: { op: 'run-callback', callbackArg: 0 },
  run: { op: 'run-callback', callbackArg: 0 },
  execute: { op: 'run-callback', callbackArg: 0 },
};
