/** The viewer's defaults and host rule, apart from its server so that the CLI can read them without loading it. */

export const DEFAULT_VIEW_PORT = 7575;

/** Samples per run in a static export, at most (`--max-samples`). */
export const DEFAULT_EXPORT_MAX_SAMPLES = 20_000;

/** Whether a host name binds to this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
