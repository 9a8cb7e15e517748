// No container engine here: Dockerfiles are checked statically, instruction by instruction (and by hadolint).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './tools.ts';

export interface Instruction {
  keyword: string;
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

export function readDockerfile(relative: string): Instruction[] {
  return parseDockerfile(readFileSync(path.join(ROOT, relative), 'utf8'));
}

/** Instructions grouped by build stage (each starts at a FROM). */
export function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

/** The arguments of every `keyword` instruction in a stage (or a whole file). */
export const argsOf = (instructions: Instruction[], keyword: string): string[] => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** An `ARG NAME=default`'s default value. */
export const argDefault = (instructions: Instruction[], name: string): string | undefined =>
  argsOf(instructions, 'ARG').find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

/** COPY sources read from the build context (not from another stage). */
export const contextSources = (instructions: Instruction[]): string[] =>
  instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));

/** The .dockerignore lines (allow-list form: `*` then `!path` or `!dir/`). */
export function dockerignore(): string[] {
  return readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}
