/**
 * DynamoDB expressions built from named parts, so no call site writes placeholders by hand.
 * Every part renders against one `Placeholders`, which hands out `#n0`/`:v0` names and
 * collects the attribute names and values the request needs.
 */
export class Placeholders {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  readonly #byName = new Map<string, string>();

  name(attribute: string): string {
    let placeholder = this.#byName.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.#byName.size}`;
      this.#byName.set(attribute, placeholder);
      this.names[placeholder] = attribute;
    }
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }
}

export type Part = (p: Placeholders) => string;

export const attributeExists = (attribute: string): Part => (p) => `attribute_exists(${p.name(attribute)})`;
export const attributeNotExists = (attribute: string): Part => (p) => `attribute_not_exists(${p.name(attribute)})`;
export const equals = (attribute: string, value: unknown): Part => (p) => `${p.name(attribute)} = ${p.value(value)}`;
export const between = (attribute: string, low: string, high: string): Part => (p) => `${p.name(attribute)} BETWEEN ${p.value(low)} AND ${p.value(high)}`;
export const and = (...parts: Part[]): Part => (p) => parts.map((part) => `(${part(p)})`).join(' AND ');
export const or = (...parts: Part[]): Part => (p) => parts.map((part) => `(${part(p)})`).join(' OR ');

/** `SET a = :x, b = :y` for each defined value; `REMOVE` for each undefined one. */
export const setOrRemove = (assignments: Record<string, unknown>): Part => (p) => {
  const entries = Object.entries(assignments);
  const set = entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${p.name(k)} = ${p.value(v)}`);
  const remove = entries.filter(([, v]) => v === undefined).map(([k]) => p.name(k));
  return [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
};

/** `ADD attribute :n`: an atomic counter increment. */
export const add = (attribute: string, amount: number): Part => (p) => `ADD ${p.name(attribute)} ${p.value(amount)}`;

/** Update clauses side by side (`SET …`, `ADD …`, `REMOVE …`). */
export const clauses = (...parts: Part[]): Part => (p) => parts.map((part) => part(p)).filter(Boolean).join(' ');

export interface RenderedExpressions {
  ConditionExpression?: string;
  KeyConditionExpression?: string;
  UpdateExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** Renders the given parts into request fields; empty name/value maps are left out, as DynamoDB requires. */
export function render(parts: { condition?: Part; keyCondition?: Part; update?: Part; projection?: string[] }): RenderedExpressions {
  const p = new Placeholders();
  const out: RenderedExpressions = {};
  if (parts.keyCondition) out.KeyConditionExpression = parts.keyCondition(p);
  if (parts.update) out.UpdateExpression = parts.update(p);
  if (parts.condition) out.ConditionExpression = parts.condition(p);
  if (parts.projection) out.ProjectionExpression = parts.projection.map((a) => p.name(a)).join(', ');
  if (Object.keys(p.names).length > 0) out.ExpressionAttributeNames = p.names;
  if (Object.keys(p.values).length > 0) out.ExpressionAttributeValues = p.values;
  return out;
}
