import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { REPO_ROOT } from '../../infra/paths.ts';
import { startChild, type Child } from './child-process.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lambda-runtime-child.ts');

/** The invocation failed in the function (an exception) or ran out of time. */
export class LambdaInvocationError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'LambdaInvocationError';
  }
}

export interface LambdaRuntime {
  child: Child;
  invoke(event: APIGatewayProxyEventV2): Promise<unknown>;
  stop(): Promise<void>;
}

type Reply = { id: string; result?: unknown; error?: string } | { ready: true };

/**
 * The bundled handler in its own process with the function's environment, as one Lambda
 * execution environment; invocations time out after `timeoutMs` as the function's timeout does.
 */
export async function startLambdaRuntime(o: { bundle: string; env: NodeJS.ProcessEnv; logFile: string; timeoutMs: number }): Promise<LambdaRuntime> {
  const child = startChild('api lambda', process.execPath, ['--import', 'tsx', CHILD], { cwd: REPO_ROOT, env: { ...o.env, TRELLIS_LAMBDA_BUNDLE: o.bundle }, logFile: o.logFile, ipc: true });
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.process.on('message', (reply: Reply) => {
    if ('ready' in reply) return ready();
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    clearTimeout(call.timer);
    if (reply.error !== undefined) call.reject(new LambdaInvocationError(reply.error, false));
    else call.resolve(reply.result);
  });
  child.process.once('exit', () => {
    for (const [id, call] of pending) {
      pending.delete(id);
      clearTimeout(call.timer);
      call.reject(new LambdaInvocationError('the execution environment exited', false));
    }
  });
  await Promise.race([
    started,
    new Promise<never>((_, reject) => child.process.once('exit', () => reject(new Error(`the API Lambda runtime exited while starting:\n${child.tail()}`)))),
  ]);
  return {
    child,
    invoke(event) {
      if (child.exited()) return Promise.reject(new LambdaInvocationError('the execution environment exited', false));
      const id = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new LambdaInvocationError(`Task timed out after ${(o.timeoutMs / 1000).toFixed(2)} seconds`, true));
        }, o.timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.process.send({ id, event, deadline: Date.now() + o.timeoutMs });
      });
    },
    stop: () => child.stop(5_000),
  };
}
