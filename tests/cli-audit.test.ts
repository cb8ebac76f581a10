import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { FINGERPRINT_KEY } from '../packages/cli/src/format/sarif.js';
import {
  CLEAN_FILES,
  HAZARD_FILES,
  jsonReportProblems,
  makeProject,
  posix,
  REPO_ROOT,
  removeProjects,
  runMain,
  snapshotDir,
  writeFiles,
} from './cli-harness.js';

afterAll(removeProjects);

const RULE = 'lockwise/no-unacknowledged-blocking';
const SCENARIOS = posix(path.join(REPO_ROOT, 'fixtures/scenarios'));
const hazard = () => makeProject(HAZARD_FILES, { nodeModules: true });
const clean = () => makeProject(CLEAN_FILES, { nodeModules: true });
const json = (stdout: string) => JSON.parse(stdout) as any;

describe('lockwise audit: exit codes and formats', () => {
  it('text: a finding exits 1, with its code frame, rule id, trace and the summary', async () => {
    const dir = hazard();
    const run = await runMain(main, ['audit', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('src/app/case.ts');
    expect(lines[1]).toMatch(/^ {2}7:10 {2}error {2}Lock `src\/app\/case\.ts#mu` is held across .*fetchPeer.* {2}lockwise\/no-unacknowledged-blocking$/);
    expect(run.stdout).toContain(
      [
        '      6 | export async function run(id: string): Promise<string> {',
        '    > 7 |   return mu.runExclusive(async () => fetchPeer(id));',
        '        |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/\n {6}at src\/app\/case\.ts:7:10 /);
    expect(run.stdout).toMatch(/\n {6}at src\/net\/client\.ts:2:\d+ fetch/);
    expect(lines.at(-2)).toMatch(/^✖ 1 error, 0 warnings · 1 lock · 2 files · \d+(\.\d+)? m?s$/);
    expect(run.stdout).not.toMatch(/\u001b\[/);
  });

  it('json: the documented contract, with the finding and the lock inventory', async () => {
    const dir = hazard();
    const run = await runMain(main, ['audit', dir, '--format', 'json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const out = json(run.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.tool).toEqual({ name: 'lockwise', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(out.findings).toHaveLength(1);
    const [f] = out.findings;
    expect(f).toMatchObject({
      ruleId: RULE,
      severity: 'error',
      file: 'src/app/case.ts',
      line: 7,
      column: 10,
      endLine: 7,
      endColumn: 52,
      lock: 'src/app/case.ts#mu',
      subsystems: { from: 'app', to: 'net' },
    });
    expect(f.trace[0]).toMatchObject({ file: 'src/app/case.ts', line: 7, column: 10 });
    expect(f.trace.at(-1)).toMatchObject({ file: 'src/net/client.ts', line: 2 });
    expect(out.locks).toEqual([
      {
        id: 'src/app/case.ts#mu',
        library: 'async-mutex',
        kind: 'mutex',
        reentrant: false,
        recognition: { by: 'library', library: 'async-mutex' },
        declaredAt: { file: 'src/app/case.ts', line: 4, column: 7 },
        subsystem: 'app',
        acquireSites: [{ file: 'src/app/case.ts', line: 7, column: 10 }],
        subsystems: ['app'],
      },
    ]);
    expect(out.stats).toMatchObject({ files: 2, locks: 1 });
  });

  it('json: the same project gives the same report (but for the time)', async () => {
    const dir = hazard();
    const a = json((await runMain(main, ['audit', dir, '--format', 'json'])).stdout);
    const b = json((await runMain(main, ['audit', '.', '--format', 'json'], { cwd: dir })).stdout);
    a.stats.ms = b.stats.ms = 0;
    expect(b).toEqual(a);
  });

  it('sarif: results with rule, level, location, code flow and fingerprint', async () => {
    const dir = hazard();
    const run = await runMain(main, ['audit', dir, '--format', 'sarif']);
    expect(run.code).toBe(1);
    const log = json(run.stdout);
    expect(log.version).toBe('2.1.0');
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.rules.map((r: any) => r.id)).toContain(RULE);
    const rule = sarifRun.tool.driver.rules.find((r: any) => r.id === RULE);
    expect(rule.helpUri).toBe('https://github.com/lockwise/lockwise/blob/main/rules/no-unacknowledged-blocking.md');
    expect(rule.shortDescription.text.length).toBeGreaterThan(0);
    expect(sarifRun.results).toHaveLength(1);
    const [result] = sarifRun.results;
    expect(result.ruleId).toBe(RULE);
    expect(sarifRun.tool.driver.rules[result.ruleIndex].id).toBe(RULE);
    expect(result.level).toBe('error');
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/app/case.ts', uriBaseId: 'SRCROOT' },
      region: { startLine: 7, startColumn: 10, endLine: 7, endColumn: 52 },
    });
    const flow = result.codeFlows[0].threadFlows[0].locations;
    expect(flow.length).toBeGreaterThan(1);
    expect(flow.at(-1).location.physicalLocation.artifactLocation.uri).toBe('src/net/client.ts');
    expect(result.partialFingerprints[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{32}:1$/);
    expect(sarifRun.originalUriBaseIds.SRCROOT.uri).toBe(`file://${dir}/`);
    expect(sarifRun.invocations[0].executionSuccessful).toBe(true);
  });

  it('a clean project exits 0', async () => {
    const dir = clean();
    const run = await runMain(main, ['audit', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ 0 errors, 0 warnings · 1 lock · 2 files · \d+(\.\d+)? m?s\n$/);
    expect(run.stderr).toBe('');
    const out = json((await runMain(main, ['audit', dir, '--format', 'json'])).stdout);
    expect(out.findings).toEqual([]);
    expect(jsonReportProblems(out)).toEqual([]);
  });

  it('--fail-on: never exits 0 with findings; warning counts warnings', async () => {
    const dir = hazard();
    expect((await runMain(main, ['audit', dir, '--fail-on', 'never'])).code).toBe(0);
    writeFiles(dir, { 'lockwise.config.json': { rules: { 'no-unacknowledged-blocking': 'warn' } } });
    const warned = await runMain(main, ['audit', dir, '--format', 'json']);
    expect(json(warned.stdout).findings.map((f: any) => f.severity)).toEqual(['warning']);
    expect(warned.code).toBe(0);
    expect((await runMain(main, ['audit', dir, '--fail-on', 'warning'])).code).toBe(1);
    expect((await runMain(main, ['audit', dir, '--fail-on', 'error'])).code).toBe(0);
  });

  it('--quiet reports errors only', async () => {
    const dir = hazard();
    writeFiles(dir, { 'lockwise.config.json': { rules: { 'no-unacknowledged-blocking': ['warn', {}] } } });
    const run = await runMain(main, ['audit', dir, '--quiet', '--fail-on', 'warning', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout).findings).toEqual([]);
  });

  it('configuration turns a rule off; --rule runs only the named rules, even one turned off', async () => {
    const dir = hazard();
    writeFiles(dir, { 'package.json': { name: 'hazard', lockwise: { rules: { 'no-unacknowledged-blocking': 'off' } } } });
    const off = await runMain(main, ['audit', dir, '--format', 'json']);
    expect(off.code).toBe(0);
    expect(json(off.stdout).findings).toEqual([]);
    const only = await runMain(main, ['audit', dir, '--format', 'json', '--rule', 'lockwise/no-unacknowledged-blocking']);
    expect(only.code).toBe(1);
    expect(json(only.stdout).findings.map((f: any) => [f.ruleId, f.severity])).toEqual([[RULE, 'error']]);
  });

  it('an eslint-disable-next-line comment acknowledges the finding in the CLI too', async () => {
    const dir = hazard();
    writeFiles(dir, {
      'src/app/case.ts': HAZARD_FILES['src/app/case.ts'].replace(
        '  return mu.runExclusive',
        '  // eslint-disable-next-line lockwise/no-unacknowledged-blocking -- the peer answers from memory\n  return mu.runExclusive',
      ),
    });
    const run = await runMain(main, ['audit', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✔ 0 errors, 0 warnings · 1 acknowledged · 1 lock · 2 files · /);
  });

  it('colors on a terminal only, and never with NO_COLOR or --no-color', async () => {
    const dir = hazard();
    expect((await runMain(main, ['audit', dir], { tty: true, env: { CI: 'true' } })).stdout).toMatch(/\u001b\[31merror/);
    expect((await runMain(main, ['audit', dir], { tty: true, env: { CI: 'true', NO_COLOR: '1' } })).stdout).not.toMatch(/\u001b\[/);
    expect((await runMain(main, ['audit', dir, '--no-color'], { tty: true, env: { CI: 'true' } })).stdout).not.toMatch(/\u001b\[/);
  });

  it('progress on stderr only on a terminal outside CI', async () => {
    const dir = clean();
    const tty = await runMain(main, ['audit', dir], { tty: true, env: {} });
    expect(tty.stderr).toContain('lockwise: loading ');
    expect(tty.stderr).toContain('lockwise: analysing 2 files…');
    expect(tty.stderr.endsWith('\r\u001b[2K')).toBe(true); // the status line is cleared
    expect((await runMain(main, ['audit', dir], { tty: true, env: { CI: 'true' } })).stderr).toBe('');
    expect((await runMain(main, ['audit', dir, '--quiet'], { tty: true, env: {} })).stderr).toBe('');
    expect((await runMain(main, ['audit', dir], { tty: false, env: {} })).stderr).toBe('');
  });

  it('tsconfig problems TypeScript reports are warnings; the audit goes on', async () => {
    const dir = hazard();
    writeFiles(dir, {
      'tsconfig.json': { compilerOptions: { ...HAZARD_FILES['tsconfig.json'].compilerOptions, notAnOption: 1 }, include: ['src'] },
    });
    const run = await runMain(main, ['audit', dir], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "lockwise: warning: TypeScript reports problems in the tsconfig (the audit goes on):\ntsconfig.json(13,5): error TS5023: Unknown compiler option 'notAnOption'.\n",
    );
  });
});

describe('lockwise audit: --output and the audited directory', () => {
  it('writes the report to the file atomically and nothing to stdout', async () => {
    const dir = hazard();
    const outDir = makeProject({});
    const target = `${outDir}/reports/lockwise.json`;
    const run = await runMain(main, ['audit', dir, '--format', 'json', '--output', target]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    const written = JSON.parse(fs.readFileSync(target, 'utf8'));
    expect(jsonReportProblems(written)).toEqual([]);
    expect(written.findings).toHaveLength(1);
    // No temporary file is left beside it.
    expect(fs.readdirSync(`${outDir}/reports`)).toEqual(['lockwise.json']);
  });

  it('replaces an existing report whole, relative to cwd, text without colors', async () => {
    const dir = hazard();
    const outDir = makeProject({ 'report.txt': 'old report\n' });
    const run = await runMain(main, ['audit', dir, '-o', 'report.txt'], { cwd: outDir, tty: true, env: { CI: '1' } });
    expect(run.code).toBe(1);
    const text = fs.readFileSync(`${outDir}/report.txt`, 'utf8');
    expect(text.startsWith('src/app/case.ts\n')).toBe(true);
    expect(text).toContain(RULE);
    expect(text).not.toMatch(/\u001b\[/);
    expect(fs.readdirSync(outDir)).toEqual(['report.txt']);
  });

  it('cannot write: exit 2, the target untouched, no temporary file left', async () => {
    const dir = hazard();
    const outDir = makeProject({ 'taken/keep.txt': 'x' });
    const run = await runMain(main, ['audit', dir, '--output', `${outDir}/taken`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`lockwise: cannot write the report to ${outDir}/taken: ${outDir}/taken is a directory\n`);
    expect(snapshotDir(outDir).map((l) => l.split(' ')[0])).toEqual(['taken', 'taken/keep.txt']);
  });

  it('nothing is written into the audited directory, in any format', async () => {
    const dir = hazard();
    writeFiles(dir, {
      // A tsconfig that would emit, with build info: lockwise must not.
      'tsconfig.json': {
        compilerOptions: { ...HAZARD_FILES['tsconfig.json'].compilerOptions, composite: true, incremental: true, outDir: 'dist' },
        include: ['src'],
      },
    });
    const before = snapshotDir(dir);
    for (const format of ['text', 'json', 'sarif']) {
      expect((await runMain(main, ['audit', dir, '--format', format], { tty: true, env: {} })).code).toBe(1);
    }
    expect(snapshotDir(dir)).toEqual(before);
  });
});

describe('lockwise audit: bad input', () => {
  it('no tsconfig: exit 2, names the directory and --project', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/no-tsconfig']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `lockwise: No tsconfig.json found in ${SCENARIOS}/no-tsconfig. lockwise needs the project's tsconfig to build the program: ` +
        'add a tsconfig.json there, or name one with --project <path/to/tsconfig.json>.\n',
    });
  });

  it("a tsconfig that does not parse: exit 2 with TypeScript's diagnostic", async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/bad-tsconfig']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: [
        'lockwise: Cannot load fixtures/scenarios/bad-tsconfig/tsconfig.json: TypeScript reports',
        "fixtures/scenarios/bad-tsconfig/tsconfig.json(6,5): error TS1005: ',' expected.",
        "fixtures/scenarios/bad-tsconfig/tsconfig.json(10,1): error TS1005: ',' expected.",
        'Fix the tsconfig (run `tsc -p fixtures/scenarios/bad-tsconfig/tsconfig.json --showConfig` to see how TypeScript reads it).',
        '',
      ].join('\n'),
    });
  });

  it('--project naming a missing file: exit 2', async () => {
    const dir = hazard();
    const run = await runMain(main, ['audit', '--project', 'tsconfig.app.json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `lockwise: The tsconfig given with --project does not exist: ${dir}/tsconfig.app.json. Check the path (it is resolved against ${dir}).\n`,
    );
  });

  it('--project: another tsconfig of the project', async () => {
    const dir = hazard();
    writeFiles(dir, { 'tsconfig.net.json': { compilerOptions: HAZARD_FILES['tsconfig.json'].compilerOptions, include: ['src/net'] } });
    const run = await runMain(main, ['audit', '--project', 'tsconfig.net.json', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(json(run.stdout).stats.files).toBe(1);
  });

  it('a directory that does not exist: exit 2', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/not-there']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `lockwise: The directory to audit does not exist: ${SCENARIOS}/not-there.\n` });
  });

  it('a bad configuration: exit 2 naming the file and the key, before loading the program', async () => {
    const dir = hazard();
    writeFiles(dir, { 'lockwise.config.json': { rules: { 'no-unacknowledged-blocking': 'loud' } } });
    const run = await runMain(main, ['audit', dir], { cwd: dir });
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: 'lockwise: lockwise.config.json: "rules.no-unacknowledged-blocking" must be one of "off", "warn", "error" (got "loud").\n',
    });
  });

  it('rule options that do not fit the rule’s schema: exit 2 naming the option', async () => {
    const dir = hazard();
    writeFiles(dir, { 'lockwise.config.json': { rules: { 'no-unacknowledged-blocking': ['error', { reportOwn: true }] } } });
    const run = await runMain(main, ['audit', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'lockwise: lockwise.config.json: "rules.no-unacknowledged-blocking[1].reportOwn" is not an option of this rule (options: reportOwnSubsystem, reportEmit).\n',
    );
  });

  it('--config naming a missing file: exit 2', async () => {
    const dir = hazard();
    const run = await runMain(main, ['audit', dir, '--config', 'nope.json'], { cwd: dir });
    expect(run).toEqual({ code: 2, stdout: '', stderr: `lockwise: The config file given with --config does not exist: ${dir}/nope.json.\n` });
  });

  it('--rule naming no rule: exit 2 with the rule list', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/clean', '--rule', 'no-such-thing']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lockwise: Unknown rule 'no-such-thing' given with --rule\. Rules: .*no-unacknowledged-blocking.*\.\n$/);
  });

  it('syntax errors and unresolved imports: everything else is analysed', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/broken', '--format', 'json']);
    expect(run.stderr).toBe('');
    // Not 2: the broken file and the missing module are no load or internal errors (0 or 1 is the rules' call).
    expect([0, 1]).toContain(run.code);
    const out = json(run.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.stats.files).toBe(4);
    expect(run.code).toBe(out.findings.some((f: any) => f.severity === 'error') ? 1 : 0);
    expect(out.locks.map((l: any) => l.id)).toEqual(['Archive#mutex']);
  });
});

describe('lockwise audit: the scenario fixtures', () => {
  it('clean: exit 0, no findings', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/clean', '--format', 'json']);
    expect(json(run.stdout).findings).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('solution: every referenced project in one program', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/solution', '--format', 'json']);
    const out = json(run.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.stats.files).toBe(3);
    const files = new Set([...out.findings.map((f: any) => f.file), ...out.locks.flatMap((l: any) => l.acquireSites.map((s: any) => s.file))]);
    expect([...files].sort()).toEqual(['packages/a/src/catalog.ts', 'packages/b/src/feed-import.ts']);
    // The lock declared in project a is taken in project b: one program, one identity.
    expect(out.locks.map((l: any) => [l.id, l.subsystems])).toEqual([['packages/a/src/catalog.ts#catalogLock', ['a', 'b']]]);
  });

  it('workspaces: each package is a subsystem', async () => {
    const run = await runMain(main, ['audit', 'fixtures/scenarios/workspaces', '--format', 'json']);
    const out = json(run.stdout);
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.locks.map((l: any) => [l.id, l.subsystem, l.subsystems])).toEqual([
      ['KvStore#writeLock', '@demo/store', ['@demo/store', '@demo/web']],
    ]);
  });
});
