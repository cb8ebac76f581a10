import { originStep, type Analysis, type LockCarrier, type LockFlow, type LockOrigin, type TraceStep } from '@lockwise/analyzer';
import type ts from 'typescript';

/**
 * Wording and matching shared by the knowledge-pollution rules (`no-lock-passing`,
 * `no-foreign-release`): how a carried lock value is described, and which functions the user
 * declared as deliberate lock helpers.
 */

const VALUE_WORDS: Record<string, string> = {
  releaser: 'its release function',
  handle: 'its handle',
  lock: 'the lock itself',
  guard: 'a guard holding it',
  held: 'with the lock still held',
};

const USE_WORDS = { release: 'releases', acquire: 're-acquires' } as const;

function usesText(carrier: LockCarrier): string {
  return carrier.uses.map((u) => USE_WORDS[u]).join(' and ') || 'uses';
}

/** "its release function", "a callback that releases it", "an object whose `release` releases it". */
export function carriedText(carriers: readonly LockCarrier[]): string {
  const members = carriers.filter((c) => c.member !== undefined);
  const whole = carriers.filter((c) => c.member === undefined);
  const parts = [...new Set(whole.map((c) => (c.as === 'callback' ? `a callback that ${usesText(c)} it` : (VALUE_WORDS[c.as] ?? c.as))))];
  if (members.length) {
    const byMember = [...new Set(members.map((c) => `\`${c.member}\` ${c.as === 'handle' || c.as === 'lock' ? `is ${VALUE_WORDS[c.as]}` : `${usesText(c)} it`}`))];
    parts.push(`an object whose ${byMember.join(' and whose ')}`);
  }
  return parts.join(' and ');
}

/** `allow` entries name a function by key (`src/a.ts#Store.append`), qualified name (`Store.append`) or plain name (`append`). */
export function isAllowed(analysis: Analysis, allow: readonly string[], key: string | undefined): boolean {
  if (!key || allow.length === 0) return false;
  const name = analysis.functions.get(key)?.name ?? '';
  const plain = name.split('.').pop() ?? name;
  return allow.some((entry) => entry === key || entry === name || entry === plain);
}

/** Where the lock was made, then every call it crossed. */
export function carrierTrace(analysis: Analysis, flow: LockFlow, origin: LockOrigin, carrier: LockCarrier | undefined): TraceStep[] {
  const first = originStep(analysis, origin);
  const hops = (carrier?.path ?? []).map((site) => ({
    location: analysis.location(site.node),
    message: `passed to ${site.targets.map((t) => flow.displayName(t)).join(' / ') || site.calleeText}`,
  }));
  return [...(first ? [first] : []), ...hops];
}

export function at(analysis: Analysis, node: ts.Node, message: string): TraceStep {
  return { location: analysis.location(node), message };
}

/** `src/app/x.ts:7:19`, for messages that point at a second place. */
export function placeText(analysis: Analysis, node: ts.Node): string {
  const location = analysis.location(node);
  return `${analysis.relativePath(location.file)}:${location.line}:${location.column}`;
}

/** "`a`, `b` and `c`", keeping messages short when there are many. */
export function listText(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).map((i) => `\`${i}\``);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}
