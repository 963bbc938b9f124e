/**
 * Rate limits across workers, by shares: the configured rpm and tpm of every provider and endpoint are
 * what the whole fleet may use; a worker started with `--rate-share f` uses f of each. With W workers at
 * f = 1/W the fleet stays within the limit: W × (rpm × 1/W) = rpm. Concurrency is per process and is not
 * scaled (each worker's `--concurrency` bounds it).
 */
import type { TenetConfig } from '../config.ts';
import { TenetError } from '../errors.ts';

type Limited = { rpm?: number | undefined; tpm?: number | undefined };

function scale<T extends Limited>(settings: T, share: number): T {
  return {
    ...settings,
    ...(settings.rpm !== undefined ? { rpm: settings.rpm * share } : {}),
    ...(settings.tpm !== undefined ? { tpm: settings.tpm * share } : {}),
  };
}

/** The configuration with every rpm/tpm limit multiplied by `share` (0 < share ≤ 1). */
export function shareLimits(config: TenetConfig, share: number): TenetConfig {
  if (!(share > 0 && share <= 1)) {
    throw new TenetError('BAD_USAGE', `the rate share must be in (0, 1], got ${share}`, { hint: 'with W workers use --rate-share 1/W, e.g. --rate-share 0.25 for four' });
  }
  if (share === 1) return config;
  const providers = config.providers
    ? Object.fromEntries(Object.entries(config.providers).map(([k, v]) => [k, v ? scale(v, share) : v]))
    : undefined;
  const endpoints = config.endpoints
    ? Object.fromEntries(Object.entries(config.endpoints).map(([k, v]) => [k, scale(v, share)]))
    : undefined;
  return { ...config, ...(providers ? { providers } : {}), ...(endpoints ? { endpoints } : {}) } as TenetConfig;
}

/** Parse `--rate-share`: a fraction (0.25) or 1/W (1/4). */
export function parseShare(value: string): number {
  const m = /^\s*1\s*\/\s*(\d+)\s*$/.exec(value);
  const share = m ? 1 / Number(m[1]) : Number(value);
  if (value.trim() === '' || !Number.isFinite(share) || share <= 0 || share > 1) {
    throw new TenetError('BAD_USAGE', `--rate-share must be a fraction in (0, 1] such as 0.25 or 1/4, got "${value}"`);
  }
  return share;
}
