export { LoadError, isLoadError, type LoadErrorCode } from './errors.js';
export {
  loadProject,
  formatConfigDiagnostics,
  type LoadProjectOptions,
  type LoadedProject,
} from './project.js';
export {
  detectWorkspaces,
  expandWorkspacePatterns,
  parsePnpmWorkspacePackages,
  type WorkspacePackage,
  type Workspaces,
} from './workspaces.js';
export {
  loadConfig,
  validateConfig,
  analyzerOptionsFromConfig,
  CONFIG_FILE_NAME,
  type LockwiseConfig,
  type LoadedConfig,
  type LoadConfigOptions,
  type RuleEntry,
  type RuleLevel,
  type RuleSetting,
} from './config.js';
export { LOADER_DEFAULT_OPTIONS, mergeCompilerOptions } from './tsconfig.js';
