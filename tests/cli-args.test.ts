import { describe, expect, it } from 'vitest';
import { allRules } from '@lockwise/rules';
import { parseCliArgs, USAGE, UsageError } from '../packages/cli/src/args.js';
import { main } from '../packages/cli/src/main.js';
import { runMain } from './cli-harness.js';

const VERSION = (await import('../packages/cli/package.json', { with: { type: 'json' } })).default.version;

describe('parseCliArgs', () => {
  it('audit with every option', () => {
    expect(
      parseCliArgs([
        'audit',
        'app',
        '--project',
        'app/tsconfig.build.json',
        '--config',
        'lw.json',
        '--format',
        'sarif',
        '--output',
        'out/report.sarif',
        '--fail-on',
        'warning',
        '--rule',
        'no-lock-passing',
        '--rule',
        'lockwise/no-unacknowledged-blocking',
        '--quiet',
        '--no-color',
      ]),
    ).toEqual({
      command: 'audit',
      dir: 'app',
      project: 'app/tsconfig.build.json',
      config: 'lw.json',
      format: 'sarif',
      output: 'out/report.sarif',
      failOn: 'warning',
      rules: ['no-lock-passing', 'no-unacknowledged-blocking'],
      quiet: true,
      noColor: true,
    });
  });

  it('audit defaults', () => {
    expect(parseCliArgs(['audit'])).toEqual({ command: 'audit', format: 'text', failOn: 'error', rules: [], quiet: false, noColor: false });
  });

  it('short flags and = forms', () => {
    expect(parseCliArgs(['audit', '-p', 't.json', '-c', 'c.json', '-f', 'json', '-o', 'r.json', '-q', '--fail-on=never'])).toEqual({
      command: 'audit',
      project: 't.json',
      config: 'c.json',
      format: 'json',
      output: 'r.json',
      failOn: 'never',
      rules: [],
      quiet: true,
      noColor: false,
    });
  });

  it('help, version, rules', () => {
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseCliArgs(['audit', '-h'])).toEqual({ command: 'help' });
    expect(parseCliArgs(['help'])).toEqual({ command: 'help' });
    expect(parseCliArgs(['--version'])).toEqual({ command: 'version' });
    expect(parseCliArgs(['-v'])).toEqual({ command: 'version' });
    expect(parseCliArgs(['rules'])).toEqual({ command: 'rules', noColor: false });
  });

  it.each([
    [['audit', '--frobnicate'], "Unknown option '--frobnicate'."],
    [['lint'], "Unknown command 'lint'."],
    [[], 'No command given.'],
    [['audit', 'a', 'b'], "'lockwise audit' takes one directory; got 'a', 'b'."],
    [['audit', '--format', 'xml'], "Unknown format 'xml': use text, json, sarif."],
    [['audit', '--fail-on', 'info'], "--fail-on takes error, warning, never; got 'info'."],
    [['rules', '--format', 'json'], "Option --format does not apply to 'lockwise rules'."],
    [['rules', 'extra'], "Unexpected argument 'extra' after 'rules'."],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(new UsageError(message));
  });

  it('an option without its value is a usage error', () => {
    expect(() => parseCliArgs(['audit', '--project'])).toThrow(UsageError);
  });
});

describe('main without a project', () => {
  it('--help prints the usage on stdout, exit 0', async () => {
    const run = await runMain(main, ['--help']);
    expect(run).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    expect(USAGE).toContain('audit [dir]');
    for (const flag of ['--project', '--config', '--format', '--output', '--fail-on', '--rule', '--quiet', '--no-color', '--help', '--version']) {
      expect(USAGE).toContain(flag);
    }
  });

  it('--version prints the package version, exit 0', async () => {
    expect(await runMain(main, ['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('an unknown flag: exit 2, the problem and the usage on stderr, nothing on stdout', async () => {
    const run = await runMain(main, ['audit', '--frobnicate']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `lockwise: Unknown option '--frobnicate'.\n\n${USAGE}` });
  });

  it('an unknown command: exit 2 with the usage', async () => {
    expect(await runMain(main, ['lint', '.'])).toEqual({ code: 2, stdout: '', stderr: `lockwise: Unknown command 'lint'.\n\n${USAGE}` });
  });

  it('no command: exit 2 with the usage', async () => {
    expect(await runMain(main, [])).toEqual({ code: 2, stdout: '', stderr: `lockwise: No command given.\n\n${USAGE}` });
  });

  it('rules lists every rule with its default severity, preset and description', async () => {
    const run = await runMain(main, ['rules']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`${allRules.length} rule${allRules.length === 1 ? '' : 's'} (id lockwise/<name>; severity and preset by default)`);
    for (const rule of allRules) {
      const line = lines.find((l) => l.trimStart().startsWith(`${rule.name} `));
      expect(line, rule.name).toBeDefined();
      expect(line).toContain(rule.meta.docs.severity);
      expect(line).toContain(rule.meta.docs.preset);
      expect(line).toContain(rule.meta.docs.description);
    }
    expect(run.stdout).not.toMatch(/\u001b\[/);
  });

  it('rules on a terminal is colored unless NO_COLOR or --no-color', async () => {
    expect((await runMain(main, ['rules'], { tty: true })).stdout).toMatch(/\u001b\[/);
    expect((await runMain(main, ['rules'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(/\u001b\[/);
    expect((await runMain(main, ['rules', '--no-color'], { tty: true })).stdout).not.toMatch(/\u001b\[/);
  });
});
