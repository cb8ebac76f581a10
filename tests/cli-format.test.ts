import type { LockInfo } from '@lockwise/analyzer';
import type { Acknowledgement, Finding } from '@lockwise/rules';
import { describe, expect, it } from 'vitest';
import { fingerprint, FINGERPRINT_KEY, formatJson, formatSarif, formatText, toJsonReport } from '../packages/cli/src/format/index.js';
import type { AuditReport } from '../packages/cli/src/report.js';
import { jsonReportProblems } from './cli-harness.js';

const ROOT = '/proj';
const SOURCES: Record<string, string> = {
  '/proj/src/app/case.ts': [
    "import { Mutex } from 'async-mutex';",
    "import { fetchPeer } from '../net/client.js';",
    'const mu = new Mutex();',
    'export async function run(id: string) {',
    '  return mu.runExclusive(async () => fetchPeer(id));',
    '}',
    'export async function again(id: string) {',
    '  return mu.runExclusive(async () => fetchPeer(id));',
    '}',
    '',
  ].join('\n'),
  '/proj/src/net/client.ts': [
    'export async function fetchPeer(id: string) {',
    '  const response = await fetch(`https://peers.example/${id}`);',
    '  return response.text();',
    '}',
    '',
  ].join('\n'),
};

const loc = (file: string, line: number, column: number, endLine = line, endColumn = column + 1) => ({
  file,
  line,
  column,
  endLine,
  endColumn,
});

const RULE = 'lockwise/no-unacknowledged-blocking';
const MESSAGE = 'Lock `src/app/case.ts#mu` is held across `fetchPeer()`, which may block in `net`.';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: RULE,
    messageId: 'blockingUnderLock',
    message: MESSAGE,
    data: {},
    severity: 'error',
    location: loc('/proj/src/app/case.ts', 5, 10, 5, 52),
    lock: 'src/app/case.ts#mu',
    subsystems: { from: 'app', to: 'net' },
    trace: [
      { location: loc('/proj/src/app/case.ts', 5, 10), message: 'src/app/case.ts#mu held while this callback runs' },
      { location: loc('/proj/src/app/case.ts', 5, 37), message: 'calls fetchPeer' },
      { location: loc('/proj/src/net/client.ts', 2, 26), message: 'fetch (a network request)' },
    ],
    ...overrides,
  };
}

const LOCK: LockInfo = {
  id: 'src/app/case.ts#mu',
  library: 'async-mutex',
  kind: 'mutex',
  reentrant: false,
  recognition: { by: 'library', library: 'async-mutex' },
  declaredAt: loc('/proj/src/app/case.ts', 3, 7),
  subsystem: 'app',
  acquireSites: [loc('/proj/src/app/case.ts', 8, 10), loc('/proj/src/app/case.ts', 5, 10), loc('/proj/src/app/case.ts', 5, 10)],
  subsystemsTouching: ['net', 'app'],
};

function report(overrides: Partial<AuditReport> = {}): AuditReport {
  return {
    tool: { name: 'lockwise', version: '0.1.0' },
    rootDir: ROOT,
    findings: [finding()],
    acknowledgements: [],
    locks: [LOCK],
    pollution: [],
    lockOrder: { nodes: [], edges: [], cycles: [] },
    stats: { files: 2, functions: 4, callEdges: 3, locks: 1, heldRegions: 2, ms: 42 },
    rules: [
      {
        name: 'no-unacknowledged-blocking',
        id: RULE,
        description: 'Disallow holding a lock across a call into another subsystem that may block',
        defaultSeverity: 'error',
        helpUri: 'https://github.com/lockwise/lockwise/blob/main/rules/no-unacknowledged-blocking.md',
      },
    ],
    diagnostics: [],
    sourceText: (file) => SOURCES[file],
    ...overrides,
  };
}

describe('json', () => {
  it('is exactly the documented contract', () => {
    const parsed: unknown = JSON.parse(formatJson(report()));
    expect(jsonReportProblems(parsed)).toEqual([]);
    expect(parsed).toEqual({
      version: 1,
      tool: { name: 'lockwise', version: '0.1.0' },
      findings: [
        {
          ruleId: RULE,
          severity: 'error',
          message: MESSAGE,
          file: 'src/app/case.ts',
          line: 5,
          column: 10,
          endLine: 5,
          endColumn: 52,
          lock: 'src/app/case.ts#mu',
          subsystems: { from: 'app', to: 'net' },
          trace: [
            { file: 'src/app/case.ts', line: 5, column: 10, message: 'src/app/case.ts#mu held while this callback runs' },
            { file: 'src/app/case.ts', line: 5, column: 37, message: 'calls fetchPeer' },
            { file: 'src/net/client.ts', line: 2, column: 26, message: 'fetch (a network request)' },
          ],
        },
      ],
      locks: [
        {
          id: 'src/app/case.ts#mu',
          library: 'async-mutex',
          kind: 'mutex',
          reentrant: false,
          recognition: { by: 'library', library: 'async-mutex' },
          declaredAt: { file: 'src/app/case.ts', line: 3, column: 7 },
          subsystem: 'app',
          // sorted, duplicates dropped
          acquireSites: [
            { file: 'src/app/case.ts', line: 5, column: 10 },
            { file: 'src/app/case.ts', line: 8, column: 10 },
          ],
          subsystems: ['app', 'net'],
        },
      ],
      acknowledgements: [],
      subsystems: [],
      lockOrder: { nodes: [], edges: [], cycles: [] },
      stats: { files: 2, functions: 4, callEdges: 3, locks: 1, heldRegions: 2, ms: 42 },
    });
  });

  it('lists acknowledgements, the pollution of each subsystem and the lock-order graph', () => {
    const out = toJsonReport(
      report({
        acknowledgements: [
          { ruleId: RULE, message: MESSAGE, location: loc('/proj/src/app/case.ts', 7, 3), by: 'directive', reason: 'loopback peer', lock: 'src/app/case.ts#mu' },
        ],
        pollution: [
          {
            subsystem: 'net',
            lockKnowledgeImported: 2,
            foreignLocks: [{ lock: 'src/app/case.ts#mu', owner: 'app', relations: ['releases'], weight: 2, sites: [{ relation: 'releases', where: 'src/net/client.ts#fetchPeer', location: loc('/proj/src/net/client.ts', 4, 5) }] }],
            leaksFrom: ['app'],
            leaksInto: [],
          },
        ],
        lockOrder: {
          nodes: [{ id: 'A#a', library: 'async-mutex', kind: 'mutex', subsystem: 'app' }, { id: 'B#b', library: 'async-mutex', kind: 'mutex' }],
          edges: [{ from: 'A#a', to: 'B#b', witnesses: [{ location: loc('/proj/src/app/case.ts', 9, 11), function: 'src/app/case.ts#run', gates: [], trace: [] }] }],
          cycles: [],
        },
      }),
    );
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.acknowledgements).toEqual([{ ruleId: RULE, message: MESSAGE, file: 'src/app/case.ts', line: 7, column: 3, by: 'directive', reason: 'loopback peer', lock: 'src/app/case.ts#mu' }]);
    expect(out.subsystems).toEqual([
      {
        name: 'net',
        lockKnowledgeImported: 2,
        foreignLocks: [{ lock: 'src/app/case.ts#mu', owner: 'app', relations: ['releases'], weight: 2, sites: [{ file: 'src/net/client.ts', line: 4, column: 5, relation: 'releases', where: 'src/net/client.ts#fetchPeer' }] }],
        leaksFrom: ['app'],
        leaksInto: [],
      },
    ]);
    expect(out.lockOrder).toEqual({
      nodes: [{ id: 'A#a', library: 'async-mutex', kind: 'mutex', subsystem: 'app' }, { id: 'B#b', library: 'async-mutex', kind: 'mutex', subsystem: null }],
      edges: [{ from: 'A#a', to: 'B#b', witnesses: [{ file: 'src/app/case.ts', line: 9, column: 11, function: 'src/app/case.ts#run' }] }],
      cycles: [],
    });
  });

  it('absent values are null, never missing keys', () => {
    const out = toJsonReport(
      report({
        findings: [finding({ lock: undefined, subsystems: undefined, trace: [] })],
        locks: [{ ...LOCK, declaredAt: undefined, recognition: { by: 'shape', shape: 'promise-chain' } }],
      }),
    );
    expect(jsonReportProblems(out)).toEqual([]);
    expect(out.findings[0]!.lock).toBeNull();
    expect(out.findings[0]!.subsystems).toBeNull();
    expect(out.locks[0]!.declaredAt).toBeNull();
    expect(out.locks[0]!.recognition).toEqual({ by: 'shape', shape: 'promise-chain', confirmed: null });
  });

  it('sorts findings by file, position, rule and message; locks by id', () => {
    const b = finding({ location: loc('/proj/src/b.ts', 1, 1) });
    const a2 = finding({ location: loc('/proj/src/a.ts', 2, 1), message: 'second' });
    const a1z = finding({ location: loc('/proj/src/a.ts', 1, 5), message: 'z' });
    const a1a = finding({ location: loc('/proj/src/a.ts', 1, 5), message: 'a' });
    const out = toJsonReport(report({ findings: [b, a2, a1z, a1a], locks: [{ ...LOCK, id: 'z' }, { ...LOCK, id: 'a' }] }));
    expect(out.findings.map((f) => `${f.file}:${f.line}:${f.column}:${f.message}`)).toEqual([
      'src/a.ts:1:5:a',
      'src/a.ts:1:5:z',
      'src/a.ts:2:1:second',
      'src/b.ts:1:1:' + MESSAGE,
    ]);
    expect(out.locks.map((l) => l.id)).toEqual(['a', 'z']);
    // Same input in another order, same bytes.
    expect(formatJson(report({ findings: [a1a, a1z, b, a2] }))).toBe(formatJson(report({ findings: [b, a2, a1z, a1a] })));
  });

  it('files outside the audited directory stay relative (../)', () => {
    const out = toJsonReport(report({ findings: [finding({ location: loc('/shared/lib/x.ts', 1, 1) })] }));
    expect(out.findings[0]!.file).toBe('../shared/lib/x.ts');
  });
});

describe('text', () => {
  it('groups by file, with the code frame, the rule id, the trace and a summary', () => {
    const second = finding({ location: loc('/proj/src/app/case.ts', 8, 10, 8, 52), severity: 'warning', trace: [] });
    const other = finding({ location: loc('/proj/src/net/client.ts', 2, 26, 2, 62), message: 'another' });
    const text = formatText(report({ findings: [other, second, finding()] }), { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('src/app/case.ts');
    expect(lines[1]).toBe(`  5:10  error  ${MESSAGE}  ${RULE}`);
    expect(text).toContain(
      [
        '      4 | export async function run(id: string) {',
        '    > 5 |   return mu.runExclusive(async () => fetchPeer(id));',
        '        |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        '      6 | }',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        '      at src/app/case.ts:5:10 src/app/case.ts#mu held while this callback runs',
        '      at src/app/case.ts:5:37 calls fetchPeer',
        '      at src/net/client.ts:2:26 fetch (a network request)',
      ].join('\n'),
    );
    expect(text).toContain(`  8:10  warning  ${MESSAGE}  ${RULE}`);
    // One heading per file, in path order.
    expect(lines.filter((l) => /^\S/.test(l) && !l.startsWith('✖'))).toEqual(['src/app/case.ts', 'src/net/client.ts']);
    expect(lines[lines.length - 2]).toBe('✖ 2 errors, 1 warning · 1 lock · 2 files · 42 ms');
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('summary of a clean run, with acknowledgements and seconds', () => {
    const ack: Acknowledgement = {
      ruleId: RULE,
      message: MESSAGE,
      location: loc('/proj/src/app/case.ts', 5, 10),
      by: 'directive',
      reason: 'rare',
    };
    const text = formatText(
      report({ findings: [], acknowledgements: [ack], stats: { files: 1, functions: 1, callEdges: 0, locks: 0, heldRegions: 0, ms: 1500 } }),
      { color: false },
    );
    expect(text).toBe('✔ 0 errors, 0 warnings · 1 acknowledged · 0 locks · 1 file · 1.50 s\n');
  });

  it('colors only when asked', () => {
    const colored = formatText(report(), { color: true });
    expect(colored).toMatch(/\u001b\[31merror\u001b\[39m/);
    expect(colored).toContain(RULE);
  });

  it('no frame when the source is not available, the rest is printed', () => {
    const text = formatText(report({ sourceText: () => undefined }), { color: false });
    expect(text).not.toContain(' | ');
    expect(text).toContain(`  5:10  error  ${MESSAGE}  ${RULE}`);
    expect(text).toContain('      at src/net/client.ts:2:26 fetch (a network request)');
  });
});

describe('sarif', () => {
  const sarif = (r: AuditReport = report()) => JSON.parse(formatSarif(r)) as any;

  it('is SARIF 2.1.0 with the rules, results, code flows and fingerprints', () => {
    const log = sarif();
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('lockwise');
    expect(run.tool.driver.version).toBe('0.1.0');
    expect(run.tool.driver.rules).toEqual([
      {
        id: RULE,
        name: 'no-unacknowledged-blocking',
        shortDescription: { text: 'Disallow holding a lock across a call into another subsystem that may block' },
        helpUri: 'https://github.com/lockwise/lockwise/blob/main/rules/no-unacknowledged-blocking.md',
        defaultConfiguration: { level: 'error' },
      },
    ]);
    expect(run.originalUriBaseIds).toEqual({ SRCROOT: { uri: 'file:///proj/' } });
    expect(run.columnKind).toBe('utf16CodeUnits');
    expect(run.invocations).toEqual([{ executionSuccessful: true, toolExecutionNotifications: [] }]);
    expect(run.results).toHaveLength(1);
    const result = run.results[0];
    expect(result.ruleId).toBe(RULE);
    expect(result.ruleIndex).toBe(0);
    expect(result.level).toBe('error');
    expect(result.message).toEqual({ text: MESSAGE });
    expect(result.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'src/app/case.ts', uriBaseId: 'SRCROOT' },
          region: { startLine: 5, startColumn: 10, endLine: 5, endColumn: 52 },
        },
      },
    ]);
    expect(result.codeFlows).toHaveLength(1);
    const steps = result.codeFlows[0].threadFlows[0].locations;
    expect(
      steps.map((s: any) => [
        s.location.physicalLocation.artifactLocation.uri,
        s.location.physicalLocation.region.startLine,
        s.location.physicalLocation.region.startColumn,
        s.location.message.text,
      ]),
    ).toEqual([
      ['src/app/case.ts', 5, 10, 'src/app/case.ts#mu held while this callback runs'],
      ['src/app/case.ts', 5, 37, 'calls fetchPeer'],
      ['src/net/client.ts', 2, 26, 'fetch (a network request)'],
    ]);
    expect(result.properties).toEqual({ lock: 'src/app/case.ts#mu', subsystems: { from: 'app', to: 'net' } });
    expect(Object.keys(result.partialFingerprints)).toEqual([FINGERPRINT_KEY]);
    expect(result.partialFingerprints[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{32}:1$/);
  });

  it('the fingerprint hashes rule id, relative file, message and the trimmed line, not the line number', () => {
    const f = finding();
    const line = '  return mu.runExclusive(async () => fetchPeer(id));';
    const expected = fingerprint(f, 'src/app/case.ts', line);
    expect(expected).toBe(fingerprint(f, 'src/app/case.ts', line.trim()));
    expect(sarif().runs[0].results[0].partialFingerprints[FINGERPRINT_KEY]).toBe(`${expected}:1`);
    // The same code moved down two lines keeps its fingerprint.
    const moved = report({
      findings: [finding({ location: loc('/proj/src/app/case.ts', 7, 10, 7, 52) })],
      sourceText: (file) => (file === '/proj/src/app/case.ts' ? `// a\n// b\n${SOURCES[file]}` : SOURCES[file]),
    });
    expect(sarif(moved).runs[0].results[0].partialFingerprints[FINGERPRINT_KEY]).toBe(`${expected}:1`);
    // Another message, another fingerprint.
    expect(fingerprint(finding({ message: 'other' }), 'src/app/case.ts', line)).not.toBe(expected);
  });

  it('identical findings on identical lines are told apart by an occurrence number', () => {
    // Lines 5 and 8 hold the same text.
    const log = sarif(report({ findings: [finding(), finding({ location: loc('/proj/src/app/case.ts', 8, 10, 8, 52) })] }));
    const prints = log.runs[0].results.map((r: any) => r.partialFingerprints[FINGERPRINT_KEY] as string);
    expect(prints[0]!.split(':')[0]).toBe(prints[1]!.split(':')[0]);
    expect(prints.map((p: string) => p.split(':')[1])).toEqual(['1', '2']);
  });

  it('internal errors are tool execution notifications and make the run unsuccessful', () => {
    const log = sarif(
      report({
        diagnostics: [
          { severity: 'error', message: 'internal error while analysing run; it was skipped: boom', location: loc('/proj/src/app/case.ts', 4, 1) },
        ],
      }),
    );
    expect(log.runs[0].invocations).toEqual([
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: 'error',
            message: { text: 'internal error while analysing run; it was skipped: boom' },
            locations: [
              { physicalLocation: { artifactLocation: { uri: 'src/app/case.ts', uriBaseId: 'SRCROOT' }, region: { startLine: 4, startColumn: 1 } } },
            ],
          },
        ],
      },
    ]);
  });

  it('a finding without a trace has no code flow; warnings are level warning; paths are URI-encoded', () => {
    const log = sarif(report({ findings: [finding({ trace: [], severity: 'warning', location: loc('/proj/src/my file.ts', 1, 1) })] }));
    const result = log.runs[0].results[0];
    expect(result.codeFlows).toBeUndefined();
    expect(result.level).toBe('warning');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('src/my%20file.ts');
  });
});
