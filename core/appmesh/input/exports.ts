import type { TemplateResolver } from './intrinsics.ts';

const MAX_CHAIN = 32;

interface Export {
  resolver: TemplateResolver;
  outputId: string;
  output: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `Outputs` with `Export: Name:` of every template given, so that `Fn::ImportValue` in one template
 * (an application stack) finds the value another (a network stack) exports.
 */
export class ExportRegistry {
  private readonly templates: TemplateResolver[] = [];
  private byName: Map<string, Export[]> | undefined;
  private readonly resolving = new Set<string>();
  private building = false;

  add(resolver: TemplateResolver): void {
    this.templates.push(resolver);
    this.byName = undefined;
  }

  /** The exported value, UNRESOLVED when it cannot be had, or undefined when no template exports the name. */
  find(name: string, importer: TemplateResolver, path: string): unknown {
    // An export name that itself imports is not followed while the names are being collected.
    if (this.building) return undefined;
    const found = this.index().get(name);
    if (!found) return undefined;
    if (found.length > 1) return importer.problem(path, `export "${name}" is defined by ${found.map((e) => `${e.resolver.file}:Outputs.${e.outputId}`).join(' and ')}`);
    const { resolver, outputId, output } = found[0]!;
    if (this.resolving.has(name)) return importer.problem(path, `export "${name}" depends on itself`);
    // Each import resolves in another template; a long chain of them must not exhaust the stack.
    if (this.resolving.size >= MAX_CHAIN) return importer.problem(path, `exports import each other more than ${MAX_CHAIN} deep`);
    this.resolving.add(name);
    try {
      // Resolved again out loud, so the pseudo parameters its name took are reported.
      resolver.resolve((output.Export as Record<string, unknown>).Name, `Outputs.${outputId}.Export.Name`);
      const value = resolver.resolve(output.Value, `Outputs.${outputId}.Value`);
      return value === undefined ? resolver.problem(`Outputs.${outputId}`, 'an output needs a Value') : value;
    } finally {
      this.resolving.delete(name);
    }
  }

  /** Export names, resolved quietly: an export whose name cannot be resolved is one nobody can import. */
  private index(): Map<string, Export[]> {
    if (this.byName) return this.byName;
    const byName = new Map<string, Export[]>();
    this.building = true;
    try {
      for (const resolver of this.templates) {
        const outputs = isObject(resolver.template.Outputs) ? resolver.template.Outputs : {};
        for (const [outputId, output] of Object.entries(outputs)) {
          if (!isObject(output) || !isObject(output.Export)) continue;
          const name = resolver.quietly(() => {
            if (output.Condition !== undefined && resolver.condition(output.Condition, `Outputs.${outputId}.Condition`) !== true) return undefined;
            return resolver.resolve((output.Export as Record<string, unknown>).Name, `Outputs.${outputId}.Export.Name`);
          });
          if (typeof name !== 'string') continue;
          byName.set(name, [...(byName.get(name) ?? []), { resolver, outputId, output }]);
        }
      }
    } finally {
      this.building = false;
    }
    this.byName = byName;
    return byName;
  }
}
