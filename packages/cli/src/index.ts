export { main, type CliIo } from './main.js';
export { parseCliArgs, USAGE, UsageError, type AuditArgs, type ParsedArgs } from './args.js';
export { audit } from './audit.js';
export { EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR } from './exit.js';
export * from './format/index.js';
export type { AuditReport, RuleDescriptor } from './report.js';
export { writeFileAtomic } from './output.js';
export { applyEslintDirectives } from './directives.js';
