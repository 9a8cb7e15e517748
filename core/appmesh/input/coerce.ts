import type { z } from 'zod';

const MAX_ROUNDS = 8;
const NUMBER = /^-?\d+(\.\d+)?$/;

function coerced(expected: string, value: unknown): { value: unknown } | undefined {
  if ((expected === 'number' || expected === 'int') && typeof value === 'string' && NUMBER.test(value.trim())) return { value: Number(value) };
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) return { value: value.toLowerCase() === 'true' };
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return { value: String(value) };
  return undefined;
}

/**
 * Parses a template resource's properties as CloudFormation reads them: a string where the App Mesh
 * schema wants a number or boolean (`Port: "8080"`, a String parameter) is converted, and a number where
 * it wants a string becomes text. Anything else fails as it would in the API.
 */
export function parseAsCloudFormation<T extends z.ZodType>(schema: T, data: unknown): ReturnType<T['safeParse']> {
  let parsed = schema.safeParse(data);
  for (let round = 0; round < MAX_ROUNDS && !parsed.success; round++) {
    let changed = false;
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'invalid_type' || issue.path.length === 0) continue;
      const parent = issue.path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], data) as Record<PropertyKey, unknown> | undefined;
      const key = issue.path[issue.path.length - 1] as PropertyKey;
      if (typeof parent !== 'object' || parent === null) continue;
      const fixed = coerced(issue.expected, parent[key]);
      if (!fixed) continue;
      parent[key] = fixed.value;
      changed = true;
    }
    if (!changed) break;
    parsed = schema.safeParse(data);
  }
  return parsed as ReturnType<T['safeParse']>;
}
