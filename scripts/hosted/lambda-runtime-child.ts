// One Lambda execution environment: imports the bundled handler once (the cold start) and runs
// the invocations the parent sends over IPC, as the Lambda runtime would.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
interface Invocation {
  id: string;
  event: unknown;
  deadline: number;
}

const bundle = process.env.TRELLIS_LAMBDA_BUNDLE;
if (!bundle || !process.send) throw new Error('run by scripts/hosted/lambda-runtime.ts: TRELLIS_LAMBDA_BUNDLE and an IPC channel are needed');
const send = process.send.bind(process);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'trellis-api';
const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: Handler };

function contextOf(invocation: Invocation): Context {
  const unsupported = () => {
    throw new Error('callback-style completion is not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: invocation.id || randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

process.on('message', (invocation: Invocation) => {
  handler(invocation.event, contextOf(invocation)).then(
    (result) => send({ id: invocation.id, result }),
    (err: unknown) => {
      console.error(err);
      send({ id: invocation.id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    },
  );
});
send({ ready: true });
