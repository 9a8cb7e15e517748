import type { XdsTypeUrl } from '../protos/index.ts';
import type { RequestKind } from './classify-request.ts';
import type { RpcStatus } from './messages.ts';
import type { SessionContext } from './session-context.ts';
import type { TypeTracker } from './type-tracker.ts';

/**
 * Records a proxy's answer to a response (ACK, or NACK with Envoy's `error_detail`) and tells
 * the hooks; the same for state-of-the-world and incremental streams.
 */
export function recordAnswer(
  ctx: SessionContext,
  tracker: TypeTracker,
  typeUrl: XdsTypeUrl,
  kind: RequestKind,
  request: { response_nonce: string; error_detail?: RpcStatus | null },
): void {
  if (kind === 'ack') {
    const version = tracker.recordAck(request.response_nonce);
    if (version !== undefined) ctx.hooks.onAck({ ...ctx.info, typeUrl, version, nonce: request.response_nonce });
  } else if (kind === 'nack') {
    const message = request.error_detail?.message ?? '';
    const code = request.error_detail?.code ?? 0;
    const version = tracker.recordNack(request.response_nonce, message, code, ctx.now());
    if (version !== undefined) ctx.hooks.onNack({ ...ctx.info, typeUrl, rejectedVersion: version, nonce: request.response_nonce, message, code });
  }
}
