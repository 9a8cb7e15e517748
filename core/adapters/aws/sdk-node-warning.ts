/**
 * The AWS SDK prints a NodeVersionSupportWarning (once per loaded copy of @aws-sdk/core, from each
 * client's constructor) on every Node below 22: SDK releases after early 2027 will need Node 22.
 * Trellis runs on Node 20.15+ with exactly pinned SDK versions, so the warning only repeats itself;
 * this sets the SDK's documented switch unless the environment already chose (`false` shows it).
 */
export function quietAwsSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
