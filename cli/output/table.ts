import type { Color, Paint } from './color.ts';

/** A cell: text, optionally coloured (colour never changes alignment). */
export type Cell = string | { text: string; color?: Color | undefined };

const textOf = (c: Cell) => (typeof c === 'string' ? c : c.text);

/** A kubectl-style table: upper-case headers, columns padded with three spaces, no borders. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[], paint: Paint = (t) => t): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => textOf(r[i] ?? '').length)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((cell, i) => {
        const text = textOf(cell);
        const padded = i === cells.length - 1 ? text : text.padEnd(widths[i]!);
        return typeof cell !== 'string' && cell.color ? paint(text, cell.color) + padded.slice(text.length) : padded;
      })
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
