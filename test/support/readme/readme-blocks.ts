/** The ```sh blocks of one README section (from its heading to the next heading of the same or a higher level), in order. */
export function shellBlocksOf(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`the README has no heading "${heading}"`);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (current) {
      if (line.trim() === '```') {
        blocks.push(current.join('\n'));
        current = undefined;
      } else current.push(line);
      continue;
    }
    const h = /^(#+) /.exec(line);
    if (h && h[1]!.length <= level) break;
    if (line.trim() === '```sh') current = [];
  }
  if (current) throw new Error(`a \`\`\`sh block under "${heading}" is not closed`);
  return blocks;
}
