import { describe, expect, it } from 'vitest';
import { colorEnabled, paintWith } from './color.ts';
import { formatOutput } from './emit.ts';
import { renderTable } from './table.ts';
import { unifiedDiff } from './unified-diff.ts';
import { parseDuration, preciseDuration } from './time.ts';
import { formatError } from './error-report.ts';
import { CliError } from '../cli-error.ts';
import { convergedCell, reportsConvergence } from './convergence.ts';

describe('renderTable', () => {
  it('aligns columns with three spaces and trims trailing blanks', () => {
    const out = renderTable(['NAME', 'CDS'], [
      ['reviews-v1', 'SYNCED'],
      ['a', 'STALE'],
    ]);
    expect(out).toBe('NAME         CDS\nreviews-v1   SYNCED\na            STALE\n');
  });

  it('colours a cell without changing alignment', () => {
    const plain = renderTable(['A', 'B', 'C'], [[{ text: 'NACKED', color: 'red' }, 'x', 'y']]);
    const coloured = renderTable(['A', 'B', 'C'], [[{ text: 'NACKED', color: 'red' }, 'x', 'y']], paintWith(true));
    expect(coloured.replaceAll('\u001b[31m', '').replaceAll('\u001b[0m', '')).toBe(plain);
    expect(coloured).toContain('\u001b[31mNACKED\u001b[0m');
  });
});

describe('colorEnabled', () => {
  it('is on only for a TTY without NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});

describe('formatOutput', () => {
  it('renders JSON, YAML or the table', () => {
    const data = { items: [{ name: 'a' }] };
    expect(JSON.parse(formatOutput('json', data, () => 'T'))).toEqual(data);
    expect(formatOutput('yaml', data, () => 'T')).toBe('items:\n  - name: a\n');
    expect(formatOutput('table', data, () => 'T')).toBe('T');
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { from: 'x', to: 'y' })).toBe('');
  });

  it('shows a change with context and hunk header', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n') + '\n';
    const after = before.replace('e', 'E');
    expect(unifiedDiff(before, after, { from: 'live', to: 'file' })).toBe(['--- live', '+++ file', '@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', ''].join('\n'));
  });

  it('diffs against nothing for a new object', () => {
    expect(unifiedDiff('', 'a\nb\n', { from: '/dev/null', to: 'f' })).toBe('--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });
});

describe('durations', () => {
  it('parses the forms --timeout accepts', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('5')).toBe(5000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(preciseDuration(1400)).toBe('1.4s');
  });
});

describe('formatError', () => {
  it('prints the message, one `path: message` line per field error, then the hint', () => {
    const err = new CliError('1 problem', 3, { fieldErrors: [{ path: 'spec.hosts', message: 'must not be empty' }], hint: 'fix it' });
    expect(formatError(err, (t) => t)).toBe('error: 1 problem\nspec.hosts: must not be empty\nhint: fix it\n');
  });
});

describe('convergedCell', () => {
  const rev = { revision: 2, author: 'a', createdAt: '2026-01-01T00:00:00Z', changes: [] };
  it('shows the time once converged, progress before, and a dash without a record', () => {
    expect(convergedCell({ ...rev, convergence: { proxies: 3, acked: 3, seconds: 0.42 } })).toBe('420ms');
    expect(convergedCell({ ...rev, convergence: { proxies: 3, acked: 2 } })).toBe('2/3');
    expect(convergedCell(rev)).toBe('-');
    expect(reportsConvergence([rev])).toBe(false);
  });
});
