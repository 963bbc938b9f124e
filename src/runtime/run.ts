import { canonicalJson, stableId, type Run, type Store } from '../store/index.ts';
import { TenetError } from '../errors.ts';
import { canonicalJudgeId } from '../judges/ids.ts';

/**
 * Open a run: `resume` names an existing run to continue; otherwise the id is derived from the run's
 * configuration, so running the same command again continues the same run.
 */
export async function openRun(store: Store, options: { kind: string; name: string; config: unknown; resume?: string }): Promise<Run> {
  if (options.resume) {
    const run = await store.runs.get(options.resume);
    if (!run) {
      throw new TenetError('NOT_FOUND', `no run ${options.resume} in ${store.describe().location}`, {
        hint: 'check the run id and --db (run ids are printed when a run starts and in --json output)',
      });
    }
    if (run.kind !== options.kind) throw new TenetError('BAD_USAGE', `run ${run.id} is a ${run.kind} run, not ${options.kind}`);
    await store.runs.setStatus(run.id, 'running');
    return run;
  }
  const id = `${options.kind}-${stableId(options.kind, options.config).slice(0, 12)}`;
  const run = await store.runs.create({ id, kind: options.kind, name: options.name, config: options.config });
  if (run.status !== 'running') await store.runs.setStatus(id, 'running');
  return run;
}

/**
 * The top-level settings that differ between a stored run's configuration and a new invocation's, as
 * "key stored vs new". A judge's `spec` may differ (its id and version decide what it does).
 */
export function settingsDifferences(was: object, now: object): string[] {
  const plain = (c: object): Record<string, unknown> => {
    const { judge, selectJudge } = c as { judge?: { id?: unknown; version?: unknown }; selectJudge?: { id?: unknown; version?: unknown } };
    // a judge's spec may differ on resume (credentials, aliases); its old id (judges/ids.ts) is the same judge
    const same = (j: { id?: unknown; version?: unknown }) => ({ ...j, spec: '', ...(typeof j.id === 'string' && typeof j.version === 'string' ? { id: canonicalJudgeId(j.id, j.version) } : {}) });
    return { ...c, ...(judge ? { judge: same(judge) } : {}), ...(selectJudge ? { selectJudge: same(selectJudge) } : {}) };
  };
  const a = plain(was);
  const b = plain(now);
  return Object.keys(b).filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).map((k) => `${k} ${canonicalJson(a[k])} vs ${canonicalJson(b[k])}`);
}

/** `--resume RUN` with settings other than the run's is refused, naming each difference. */
export function refuseOtherSettings(runId: string, differences: readonly string[], hint = 'rerun with the settings it was started with (or leave them out to take them from the run), or start a new run without --resume'): void {
  if (differences.length) throw new TenetError('BAD_USAGE', `run ${runId} was started with other settings: ${differences.join('; ')}`, { hint });
}

/**
 * Ctrl-C handling for long work: the first SIGINT aborts the signal (work in flight stops, finished
 * work is already stored); a second one exits at once.
 */
export function interruptOnSigint(onFirst?: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping: finished work is saved; rerun the same command (or --resume RUN) to continue. Ctrl-C again to quit now.\n');
    onFirst?.();
    controller.abort();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}
