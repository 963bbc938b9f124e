/**
 * `--calibration FILE|ID|auto`: a judge calibration from the JSON file `tenet judge calibrate --json` wrote,
 * or from the store's calibrations (by id, or `auto`: the latest for the run's judge).
 */
import { existsSync, readFileSync } from 'node:fs';
import { TenetError } from '../errors.ts';
import { parseCalibration, type Calibration, type CalibrationSource } from './corrected.ts';

/** The store's calibrations repo, when this store has one. */
export function calibrationSourceOf(store: unknown): CalibrationSource | undefined {
  const repo = (store as { calibrations?: Partial<CalibrationSource> } | null)?.calibrations;
  return repo && typeof repo.get === 'function' && typeof repo.latestFor === 'function' ? (repo as CalibrationSource) : undefined;
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
  if (!source) {
    throw new TenetError('BAD_USAGE', `--calibration ${ref}: this store keeps no judge calibrations`, {
      hint: 'pass the JSON file that `tenet judge calibrate RUN --json` printed (--calibration calibration.json)',
    });
  }
  if (ref === 'auto') {
    if (!options.judge) return undefined;
    const found = await source.latestFor(options.judge.id, options.judge.version, options.configHash);
    return found ? parseCalibration(found, `stored calibration ${found.id}`) : undefined;
  }
  const found = await source.get(ref);
  if (!found) throw new TenetError('NOT_FOUND', `no judge calibration ${ref} in the store`, { hint: 'list them with `tenet judge calibrate`, or pass the JSON file it printed' });
  return parseCalibration(found, `stored calibration ${ref}`);
}
