import { httpRequest } from '../http-request.ts';

/** `--address ecs-task`: the task's IP from the container metadata endpoint (awsvpc: every container shares it). */
export async function ecsTaskAddress(env: Readonly<Record<string, string | undefined>> = process.env): Promise<string> {
  const base = env.ECS_CONTAINER_METADATA_URI_V4;
  if (!base) throw new Error('ECS_CONTAINER_METADATA_URI_V4 is not set: --address ecs-task works only inside an ECS task');
  const res = await httpRequest(base, { timeoutMs: 2000 });
  if (res.status < 200 || res.status > 299) throw new Error(`the ECS metadata endpoint answered ${res.status}`);
  const ip = (JSON.parse(res.text) as { Networks?: { IPv4Addresses?: string[] }[] }).Networks?.[0]?.IPv4Addresses?.[0];
  if (!ip) throw new Error('the ECS metadata names no IPv4 address for this container');
  return ip;
}
