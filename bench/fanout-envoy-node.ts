// What Envoy adds to the bootstrap's node on the wire — user agent, build version and its list of
// 500+ extensions — read once from the test tools' Envoy (/server_info), so a simulated sidecar's
// first request is as large as a real one's and the server decodes as much.
import { existsSync } from 'node:fs';
import { startEnvoy } from '../test/support/envoy.ts';
import { freePort } from '../test/support/ports.ts';
import { ENVOY_BIN } from '../test/support/tools.ts';
import { toStruct } from './fanout-node.ts';

interface ServerInfoNode {
  user_agent_name?: string;
  user_agent_build_version?: { version?: Record<string, number>; metadata?: Record<string, unknown> };
  extensions?: { name: string; category: string; type_urls?: string[]; disabled?: boolean; version?: { version?: Record<string, number> } }[];
  client_features?: string[];
}

/** The node fields Envoy fills in itself, in protobufjs object form; undefined when there is no Envoy to ask. */
export async function envoyNodeExtras(): Promise<{ fields: Record<string, unknown>; version: string } | undefined> {
  if (!existsSync(ENVOY_BIN)) return undefined;
  const adminPort = await freePort();
  const envoy = await startEnvoy(JSON.stringify({ node: { id: 'probe', cluster: 'probe' }, admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } } }), adminPort);
  try {
    const node = (JSON.parse(await envoy.admin('/server_info')) as { node: ServerInfoNode }).node;
    const build = node.user_agent_build_version ?? {};
    const v = build.version ?? {};
    return {
      version: `${v.major_number ?? 0}.${v.minor_number ?? 0}.${v.patch ?? 0}`,
      fields: {
        user_agent_name: node.user_agent_name ?? 'envoy',
        user_agent_build_version: { version: build.version, metadata: toStruct(build.metadata ?? {}) },
        extensions: (node.extensions ?? []).map((e) => ({ name: e.name, category: e.category, type_urls: e.type_urls ?? [], disabled: e.disabled ?? false, ...(e.version?.version ? { version: { version: e.version.version } } : {}) })),
        client_features: node.client_features ?? [],
      },
    };
  } finally {
    await envoy.stop();
  }
}
