import path from 'node:path';
import {
  type AnalysisDiagnostic,
  type Analysis,
  analyzeProgram,
  analyzerOptionsFromConfig,
  formatConfigDiagnostics,
  isLoadError,
  loadConfig,
  type LoadedConfig,
  type LoadedProject,
  loadProject,
} from '@lockwise/analyzer';
import {
  type Acknowledgement,
  allRules,
  computePollution,
  docsUrl,
  lockOrderGraphData,
  type Finding,
  type LockwiseRule,
  type RuleSeverity,
  runRule,
  withDefaults,
} from '@lockwise/rules';
import type { AuditArgs } from './args.js';
import { describeError, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS } from './exit.js';
import { applyEslintDirectives } from './directives.js';
import { format } from './format/index.js';
import { type CliIo, createProgress, useColor, write } from './io.js';
import { writeFileAtomic } from './output.js';
import { type AuditReport, relativeFile, type RuleDescriptor } from './report.js';
import { checkSchema } from './schema.js';
import { TOOL_NAME, VERSION } from './version.js';


interface ActiveRule {
  rule: LockwiseRule<any>;
  severity: RuleSeverity;
  options: object;
}

/**
 * `lockwise audit`: load the project, analyse it once, run the selected rules, print one
 * report. Exit 0 clean, 1 findings at or above --fail-on, 2 usage/configuration/internal
 * error (internal errors while analysing still print the report).
 */
export async function audit(args: AuditArgs, io: CliIo): Promise<number> {
  const started = performance.now();
  const cwd = io.cwd;
  const rootDir = path.resolve(cwd, args.dir ?? '.');
  const progress = createProgress(io, !args.quiet);
  const fail = async (message: string) => {
    progress.done();
    await write(io.stderr, `lockwise: ${message}\n`);
    return EXIT_ERROR;
  };

  // Rules and configuration first: a typo there should not cost a program load.
  const ruleNames = allRules.map((r) => r.name);
  const unknown = args.rules.filter((r) => !ruleNames.includes(r));
  if (unknown.length > 0) {
    return fail(`Unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `'${r}'`).join(', ')} given with --rule. Rules: ${[...ruleNames].sort().join(', ')}.`);
  }
  let config: LoadedConfig;
  try {
    config = loadConfig({ dir: rootDir, config: args.config, cwd, knownRules: ruleNames });
  } catch (error) {
    if (isLoadError(error)) return fail(error.message);
    throw error;
  }
  let active: ActiveRule[];
  try {
    active = selectRules(config, args.rules, cwd);
  } catch (error) {
    if (error instanceof ConfigProblem) return fail(error.message);
    throw error;
  }

  progress.update(`loading ${args.project ?? path.join(args.dir ?? '.', 'tsconfig.json')}`);
  let loaded: LoadedProject;
  try {
    loaded = loadProject({ dir: rootDir, project: args.project, cwd });
  } catch (error) {
    if (isLoadError(error)) return fail(error.message);
    throw error;
  }
  if (loaded.configDiagnostics.length > 0 && !args.quiet) {
    progress.done();
    await write(
      io.stderr,
      `lockwise: warning: TypeScript reports problems in the tsconfig (the audit goes on):\n${formatConfigDiagnostics(loaded.configDiagnostics, cwd)}\n`,
    );
  }

  const options = analyzerOptionsFromConfig(config.config, loaded.rootDir, loaded.packages);
  options.onProgress = (message) => progress.update(message);
  progress.update(`analysing ${loaded.program.getRootFileNames().length} files`);
  let analysis: Analysis;
  try {
    analysis = analyzeProgram(loaded.program, options);
  } catch (error) {
    return fail(`internal error while analysing the program: ${describeError(error)}`);
  }

  progress.update('running rules');
  const diagnostics: AnalysisDiagnostic[] = [...analysis.diagnostics];
  let findings: Finding[] = [];
  const acknowledgements: Acknowledgement[] = [];
  for (const { rule, severity, options: ruleOptions } of active) {
    try {
      const result = runRule(analysis, rule, ruleOptions, severity);
      findings.push(...result.findings);
      acknowledgements.push(...result.acknowledgements);
    } catch (error) {
      diagnostics.push({ severity: 'error', message: `internal error in rule ${rule.name}; its findings are missing: ${describeError(error)}` });
    }
  }
  const directed = applyEslintDirectives(findings, analysis.program);
  findings = directed.findings;
  acknowledgements.push(...directed.acknowledgements);
  if (args.quiet) findings = findings.filter((f) => f.severity === 'error');
  progress.done();

  const report: AuditReport = {
    tool: { name: TOOL_NAME, version: VERSION },
    rootDir: loaded.rootDir,
    findings,
    acknowledgements,
    locks: [...analysis.locks.values()],
    pollution: computePollution(analysis),
    lockOrder: lockOrderGraphData(analysis),
    stats: { ...analysis.stats, ms: Math.round(performance.now() - started) },
    rules: active.map(({ rule }) => describeRule(rule)),
    diagnostics,
    sourceText: (file) => analysis.program.getSourceFile(file)?.text,
  };
  const toFile = args.output !== undefined;
  const text = format(args.format, report, { color: !toFile && useColor(io.stdout, io.env, args.noColor) });
  if (args.output !== undefined) {
    const target = path.resolve(cwd, args.output);
    try {
      await writeFileAtomic(target, text);
    } catch (error) {
      return fail(`cannot write the report to ${target}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    await write(io.stdout, text);
  }

  let internal = false;
  for (const d of diagnostics) {
    if (d.severity === 'error') internal = true;
    if (d.severity === 'warning' && args.quiet) continue;
    const where = d.location ? `${relativeFile(loaded.rootDir, d.location.file)}:${d.location.line}:${d.location.column}: ` : '';
    await write(io.stderr, `lockwise: ${d.severity}: ${where}${d.message}\n`);
  }
  if (internal) return EXIT_ERROR;
  const failing =
    args.failOn === 'never' ? [] : findings.filter((f) => args.failOn === 'warning' || f.severity === 'error');
  return failing.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

class ConfigProblem extends Error {}

/**
 * The rules to run, with their severity and options: every rule at its default severity,
 * minus those the configuration turns off, with the configured level and options. `--rule`
 * runs only the named rules — also when the configuration turns them off (then at their
 * default severity).
 */
function selectRules(config: LoadedConfig, only: readonly string[], cwd: string): ActiveRule[] {
  const active: ActiveRule[] = [];
  for (const rule of allRules) {
    const setting = config.rules.get(rule.name);
    if (only.length > 0 && !only.includes(rule.name)) continue;
    if (setting?.level === 'off' && only.length === 0) continue;
    if (setting?.options !== undefined) {
      const problem = checkSchema(rule.meta.schema, setting.options);
      if (problem) {
        const file = config.file ? displayPath(cwd, config.file) : 'configuration';
        const prefix = config.source === 'package.json' ? 'lockwise.' : '';
        const key = `${prefix}rules.${configKey(config, rule.name)}[1]${problem[0] ? `.${problem[0]}` : ''}`;
        throw new ConfigProblem(`${file}: "${key}" ${problem[1]}.`);
      }
    }
    const severity: RuleSeverity =
      setting === undefined || setting.level === 'off' ? rule.meta.docs.severity : setting.level === 'warn' ? 'warning' : 'error';
    active.push({ rule, severity, options: withDefaults(rule, setting?.options as Partial<object> | undefined) });
  }
  return active;
}

function configKey(config: LoadedConfig, name: string): string {
  const rules = config.config.rules ?? {};
  return `lockwise/${name}` in rules ? `lockwise/${name}` : name;
}

function describeRule(rule: LockwiseRule<any>): RuleDescriptor {
  return {
    name: rule.name,
    id: `lockwise/${rule.name}`,
    description: rule.meta.docs.description,
    defaultSeverity: rule.meta.docs.severity,
    helpUri: docsUrl(rule.name),
  };
}

function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file).replace(/\\/g, '/');
  return rel.startsWith('../') || rel === '' ? file : rel;
}
