import { usageError } from './cli-error.ts';

/** How `workloads` may be typed: live state read from the registry, not a config kind. */
const WORKLOAD_NAMES = ['workloads', 'workload', 'wl'];

export const isWorkloadsKind = (input: string) => WORKLOAD_NAMES.includes(input.toLowerCase());

/** Why `describe`/`delete` (config verbs) do not apply to registered workloads. */
export function liveStateError(verb: string) {
  return usageError(
    `workloads are live state, not config: \`${verb}\` does not apply to them`,
    'a connected sidecar registers itself and leaves when it disconnects; see them with `trellis get workloads [NAME] -o yaml`, and each proxy\'s registration with `trellis proxy-status`',
  );
}
