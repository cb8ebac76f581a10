import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The CLI's version, from packages/cli/package.json (`src/` and `dist/` are both one level below it). */
export const VERSION: string = (require('../package.json') as { version: string }).version;
export const TOOL_NAME = 'lockwise';
