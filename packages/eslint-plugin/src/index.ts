import type { TSESLint } from '@typescript-eslint/utils';
import { allRules, toEslintRule, type LockwiseRule } from '@lockwise/rules';

const PLUGIN_NAME = 'lockwise';
const VERSION = '0.1.0';

type Severity = 'error' | 'warn';
const severityOf = (rule: LockwiseRule<object>): Severity => (rule.meta.docs.severity === 'error' ? 'error' : 'warn');

/** Every lockwise rule as an ESLint rule; each reads the whole-program analysis of typescript-eslint's program. */
export const rules: Record<string, TSESLint.RuleModule<string, unknown[]>> = Object.fromEntries(
  allRules.map((rule) => [rule.name, toEslintRule(rule) as unknown as TSESLint.RuleModule<string, unknown[]>]),
);

function ruleLevels(filter: (rule: LockwiseRule<object>) => boolean): Record<string, Severity> {
  return Object.fromEntries(allRules.filter(filter).map((rule) => [`${PLUGIN_NAME}/${rule.name}`, severityOf(rule)]));
}

interface LockwisePlugin {
  meta: { name: string; version: string; namespace: string };
  rules: typeof rules;
  configs: { recommended: TSESLint.FlatConfig.Config; strict: TSESLint.FlatConfig.Config };
}

const plugin: LockwisePlugin = {
  meta: { name: 'eslint-plugin-lockwise', version: VERSION, namespace: PLUGIN_NAME },
  rules,
  configs: {} as LockwisePlugin['configs'],
};

// Configs reference the plugin object itself, as ESLint's flat config expects.
plugin.configs.recommended = {
  name: 'lockwise/recommended',
  plugins: { [PLUGIN_NAME]: plugin as unknown as TSESLint.FlatConfig.Plugin },
  rules: ruleLevels((rule) => rule.meta.docs.preset === 'recommended'),
};
plugin.configs.strict = {
  name: 'lockwise/strict',
  plugins: { [PLUGIN_NAME]: plugin as unknown as TSESLint.FlatConfig.Plugin },
  rules: ruleLevels(() => true),
};

export const configs = plugin.configs;
export default plugin;
