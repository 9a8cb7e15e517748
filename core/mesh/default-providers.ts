import type { z } from 'zod';
import type { ExtensionProvider } from './extension-providers.ts';
import type { DefaultProviders } from './telemetry-providers.ts';

/** Which provider kinds serve each telemetry signal. */
export const SIGNAL_PROVIDER_KINDS = {
  accessLogging: ['envoyFileAccessLog', 'envoyOtelAls'],
  tracing: ['zipkin', 'opentelemetry'],
  metrics: ['prometheus'],
} as const satisfies Record<keyof DefaultProviders, readonly (keyof ExtensionProvider)[]>;

export type TelemetrySignal = keyof typeof SIGNAL_PROVIDER_KINDS;

/** Why `provider` cannot serve `signal`, or undefined when it can. */
export function providerProblem(signal: TelemetrySignal, name: string, providers: readonly ExtensionProvider[] | undefined): string | undefined {
  const provider = providers?.find((p) => p.name === name);
  if (!provider) return `provider "${name}" is not one of the mesh's extensionProviders`;
  const kinds: readonly string[] = SIGNAL_PROVIDER_KINDS[signal];
  if (!kinds.some((k) => provider[k as keyof ExtensionProvider] !== undefined)) return `provider "${name}" is not a ${signal} provider (${kinds.join(' or ')})`;
  return undefined;
}

/** Mesh settings check: every default provider exists and serves its signal. */
export function checkDefaultProviders(settings: { extensionProviders?: ExtensionProvider[] | undefined; defaultProviders?: DefaultProviders | undefined }, ctx: z.RefinementCtx): void {
  for (const signal of Object.keys(SIGNAL_PROVIDER_KINDS) as TelemetrySignal[]) {
    settings.defaultProviders?.[signal]?.forEach((name, i) => {
      const problem = providerProblem(signal, name, settings.extensionProviders);
      if (problem) ctx.addIssue({ code: 'custom', path: ['defaultProviders', signal, i], message: problem });
    });
  }
}
