/** Exit codes scripts can rely on (documented in `trellis --help` and docs/cli.md). */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  Validation: 3,
  NotFound: 4,
  Conflict: 5,
  WaitTimeout: 6,
  Findings: 7,
  Incomplete: 8,
  /** `--wait` with no proxy connected to the mesh: nothing could be observed (`--allow-empty` accepts that). */
  NoProxies: 10,
  /** `trellis diff` only: the files differ from the mesh, as `kubectl diff` says it. */
  Differences: 1,
  /** `trellis diff` only: a failure other commands report as 1, since 1 there means differences. */
  DiffFailed: 9,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  failure (API error, network, server-side problem); for diff: the files differ from the mesh
  2  usage error (unknown command or flag, missing argument)
  3  validation failed (the API refused the input; field errors are printed as "path: message")
  4  not found (mesh, resource, proxy, revision, context)
  5  conflict or precondition failed (concurrent change, already exists)
  6  --wait timed out before every proxy was synced
  7  analysis findings with --strict
  8  incomplete conversion (import: something could not be converted, or nothing was)
  9  diff could not compare (what other commands report as 1)
  10 --wait found no proxy connected to the mesh, so nothing could be observed (--allow-empty accepts that)`;

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 400 || status === 422) return ExitCode.Validation;
  if (status === 404) return ExitCode.NotFound;
  if (status === 409 || status === 412) return ExitCode.Conflict;
  return ExitCode.Failure;
}
