import { handle } from 'hono/aws-lambda';
import { createApi, type CreateApiOptions } from './app.ts';

/**
 * Wraps the API for AWS Lambda behind an API Gateway HTTP API (payload v2). Dependencies are
 * created on the first invocation, not at module load, so the cold path does only what it must.
 */
export function createLambdaHandler(makeOptions: () => Promise<CreateApiOptions>) {
  let handler: ReturnType<typeof handle> | undefined;
  let pending: Promise<ReturnType<typeof handle>> | undefined;
  return async (event: Parameters<ReturnType<typeof handle>>[0], context: Parameters<ReturnType<typeof handle>>[1]) => {
    if (!handler) {
      pending ??= makeOptions().then((options) => handle(createApi(options)));
      try {
        handler = await pending;
      } catch (err) {
        pending = undefined;
        throw err;
      }
    }
    return handler(event, context);
  };
}
