import type { Analysis } from '@lockwise/analyzer';

/** Every function's facts as text, one JSON line per function (see facts-digest.mjs). */
export function factsDigest(analysis: Analysis): string[];
