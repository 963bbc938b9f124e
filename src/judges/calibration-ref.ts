/**
 * `--calibration FILE|ID|auto`: a judge calibration from the JSON file `tenet judge calibrate --json` wrote,
 * or from the store's calibrations (by id, or `auto`: the latest for the run's judge).
 */
import { DEFAULT_TAU } from '../bench/metrics.ts';
import { existsSync, readFileSync } from 'node:fs';
import { TenetError } from '../errors.ts';
import type { Store } from '../store/index.ts';
import { judgeConfigHash } from './calibration.ts';
import { parseCalibration, type Calibration, type CalibrationSource } from './corrected.ts';

/**
 * The store's judge calibrations as a CalibrationSource: a stored row holds what `tenet judge calibrate`
 * computed; the latest for a judge is looked up by its configuration hash (its id, version and τ).
 */
export function calibrationSourceOf(store: Pick<Store, 'calibrations'>, tau = DEFAULT_TAU): CalibrationSource {
  const asCalibration = (row: { result: unknown } | undefined): Calibration | undefined => (row ? (row.result as Calibration) : undefined);
  return {
    get: async (id) => asCalibration(await store.calibrations.get(id)),
    latestFor: async (judgeId, judgeVersion) =>
      asCalibration(await store.calibrations.latestFor(judgeId, judgeVersion, judgeConfigHash({ id: judgeId, version: judgeVersion }, tau))),
  };
}

/** Resolve a --calibration reference; undefined for `auto` when no calibration of that judge is stored. */
export async function resolveCalibration(
  ref: string,
  options: { source?: CalibrationSource | undefined; judge?: { id: string; version: string }; configHash?: string },
): Promise<Calibration | undefined> {
  if (ref !== 'auto' && (existsSync(ref) || ref.endsWith('.json'))) {
    let text: string;
    try {
      text = readFileSync(ref, 'utf8');
    } catch (error) {
      throw new TenetError('BAD_USAGE', `--calibration ${ref}: cannot read it (${(error as Error).message})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TenetError('BAD_INPUT', `--calibration ${ref}: not JSON (${(error as Error).message})`, { hint: 'pass the JSON that `tenet judge calibrate RUN --json` prints' });
    }
    return parseCalibration(parsed, ref);
  }
  const { source } = options;
  if (!source) throw new TenetError('BAD_USAGE', `--calibration ${ref}: no store to look it up in`, { hint: 'pass the JSON file that `tenet judge calibrate RUN --json` printed (--calibration calibration.json)' });
  if (ref === 'auto') {
    if (!options.judge) return undefined;
    const found = await source.latestFor(options.judge.id, options.judge.version, options.configHash);
    return found ? parseCalibration(found, `stored calibration ${found.id}`) : undefined;
  }
  const found = await source.get(ref);
  if (!found) throw new TenetError('NOT_FOUND', `no judge calibration ${ref} in the store`, { hint: 'list them with `tenet judge calibrate`, or pass the JSON file it printed' });
  return parseCalibration(found, `stored calibration ${ref}`);
}
