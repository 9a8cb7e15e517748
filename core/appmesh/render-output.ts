import { stringify } from 'yaml';
import type { ConversionResult } from './convert/convert.ts';

/** The resources as a multi-document YAML stream; mesh settings lead as comments the user can PUT. */
export function renderYamlStream(result: ConversionResult): string {
  const header = Object.entries(result.meshSettings).flatMap(([mesh, { namespace, settings }]) => [
    `# App Mesh mesh "${mesh}" → namespace ${namespace}. Mesh settings (PUT /v1/meshes/<mesh>):`,
    `#   ${JSON.stringify(settings)}`,
  ]);
  const docs = result.resources.map((r) => stringify(r, { lineWidth: 0 }).trimEnd());
  return `${[...header, ...docs.map((d, i) => (i === 0 ? d : `---\n${d}`))].join('\n')}\n`;
}
