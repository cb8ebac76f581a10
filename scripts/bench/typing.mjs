// What the editor benchmarks and checks share: an ESLint of the editor's kind (typescript-eslint's
// project service), the rule sets it lints with, the child processes the benchmarks time, and the
// edits a user makes typing a new line into a method of a large file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './corpus.mjs';

/** An ESLint over `dir`'s TypeScript files with the project service, both plugins loaded and `rules` on. */
export async function createEslint(dir, rules) {
  const { ESLint } = await import('eslint');
  const tseslint = (await import('typescript-eslint')).default;
  const lockwise = (await import('eslint-plugin-lockwise')).default;
  return new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: dir } },
        plugins: { '@typescript-eslint': tseslint.plugin, lockwise },
        rules,
      },
    ],
  });
}

/**
 * Wraps every lockwise rule's `create`, where all of lockwise's work in a lint happens (the
 * analysis and the rule checks), so that each call reports its span: `onSpan(context, started, ended)`.
 */
export async function timeLockwiseRules(onSpan) {
  const lockwise = (await import('eslint-plugin-lockwise')).default;
  for (const rule of Object.values(lockwise.rules)) {
    const create = rule.create;
    rule.create = function (context) {
      const started = performance.now();
      try {
        return create.call(this, context);
      } finally {
        onSpan(context, started, performance.now());
      }
    };
  }
}

/** Every lockwise rule, as `lockwise.configs.strict` turns them on. */
export async function lockwiseRules() {
  const lockwise = (await import('eslint-plugin-lockwise')).default;
  return lockwise.configs.strict.rules;
}

/** typescript-eslint's `recommendedTypeChecked`: the type-aware rules a team that lints with types runs. */
async function typeCheckedRules() {
  const tseslint = (await import('typescript-eslint')).default;
  return Object.assign({}, ...tseslint.configs.recommendedTypeChecked.map((config) => config.rules ?? {}));
}

/** The rule sets a full lint runs with: the target's pair, and the pair on top of a team's type-aware set (`BENCH_TYPED_BASELINE=1`). */
export const RULE_SETS = {
  lockwise: lockwiseRules,
  floating: async () => ({ '@typescript-eslint/no-floating-promises': 'error' }),
  typed: typeCheckedRules,
  'typed+lockwise': async () => ({ ...(await typeCheckedRules()), ...(await lockwiseRules()) }),
};

/** Runs `script` with `args` in a child process of its own, from the repository's root; returns the JSON its last line prints. */
export function runChild(script, args) {
  const result = spawnSync(process.execPath, ['--max-old-space-size=8192', script, ...args], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/**
 * The `count` largest source files under `src` (declaration files have no body to type into)
 * with the methods whose body starts on a line of its own: a body's brace ends the line after a
 * space (a type literal's `<{` does not).
 */
export function largestFilesWithMethods(src, count = 6) {
  const files = fs
    .readdirSync(src, { recursive: true })
    .filter((f) => String(f).endsWith('.ts') && !String(f).endsWith('.d.ts'))
    .map((f) => path.join(src, String(f)))
    .map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }))
    .sort((a, b) => b.text.length - a.text.length);
  // largest first, parsing only the files it takes (viem has 1,494)
  const chosen = [];
  for (const entry of files) {
    if (chosen.length === count) break;
    const candidates = [...entry.text.matchAll(/\n( +)(?:(?:public|private|protected|static|async) )*\w+\([^)]*\)[^{;\n]* \{\n/g)];
    const methods = candidates.length > 0 ? candidates.filter(opensBody(entry)) : [];
    if (methods.length > 0) chosen.push({ ...entry, methods });
  }
  return chosen;
}

/**
 * Whether a match's last brace opens a function's body: a return type written as an object type
 * (viem's `): {` … `}`) ends its line with a brace too. The parser says which braces are bodies.
 */
function opensBody(entry) {
  const sf = ts.createSourceFile(entry.file, entry.text, ts.ScriptTarget.Latest, true);
  const bodies = new Set();
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body && ts.isBlock(node.body)) bodies.add(node.body.getStart(sf));
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return (match) => bodies.has(match.index + match[0].length - 2);
}

/** `entry`'s text with a new line `const typed<n> = <n>;` typed at the start of its `method`-th method's body; `at` is where. */
export function typeNewLine(entry, method, n) {
  const match = entry.methods[method % entry.methods.length];
  const at = match.index + match[0].length;
  return { at, text: `${entry.text.slice(0, at)}${match[1]}    const typed${n} = ${n};\n${entry.text.slice(at)}` };
}
