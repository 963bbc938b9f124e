import type { Command } from 'commander';
import { loadConfig, type TenetConfig } from '../config.ts';
import { TenetError } from '../errors.ts';
import { isRedacted, redactUrl } from '../redact.ts';
import { createJudge, violationCaveat } from '../judges/factory.ts';
import type { Judge } from '../judges/types.ts';
import { createModel } from '../models/spec.ts';
import type { Provider } from '../models/types.ts';
import type { CachedSample } from '../models/cache.ts';
import { openStore, storeCache, type Store } from '../store/index.ts';

/** What a command needs from the global options: configuration, the store (opened on demand), models. */
export interface CliContext {
  json: boolean;
  config: TenetConfig;
  /** The store location as chosen: --db, then $TENET_DB, then the config file's `db`, else the default. */
  dbLocation: string | undefined;
  store(): Promise<Store>;
  model(spec: string, options?: { baseUrl?: string; noCache?: boolean; role?: 'target' | 'generator' }): Promise<Provider>;
  /** A judge from its spec (`local`, `local:FILE`, `llm:MODEL_SPEC`); LLM judges use the response cache unless told not to. */
  judge(spec: string, options?: { noCache?: boolean; samples?: number; forViolation?: boolean }): Promise<Judge>;
  close(): Promise<void>;
}

export function cliContext(command: Command): CliContext {
  const opts = command.optsWithGlobals() as { json?: boolean; db?: string; config?: string };
  const config = loadConfig(opts.config);
  const dbLocation = opts.db ?? process.env.TENET_DB ?? config.db;
  let opened: Promise<Store> | undefined;
  const store = (): Promise<Store> => (opened ??= openStore(dbLocation));
  return {
    json: Boolean(opts.json),
    config,
    dbLocation,
    store,
    async model(spec, options = {}) {
      const useCache = config.cache !== false && !options.noCache;
      // what the endpoint supports is remembered in the store whether or not responses are cached
      const cache = { ...(useCache ? { cache: storeCache<CachedSample>(await store()) } : {}), capabilityStore: storeCache(await store()) };
      if (options.baseUrl && isRedacted(options.baseUrl)) {
        // A base URL taken from a stored run has lost its credentials: use the same URL, with them, from
        // the configuration or the environment.
        let model: Provider | undefined;
        try {
          model = await createModel(spec, { config, ...(options.role ? { role: options.role } : {}), ...cache });
        } catch {
          model = undefined;
        }
        if (model?.baseUrl && redactUrl(model.baseUrl) === options.baseUrl) return model;
        throw new TenetError('BAD_USAGE', `${spec} was called at ${options.baseUrl}, whose credentials are not stored with the run`, {
          hint: "pass the base URL again (--base-url, or in tenet.config.yaml or the provider's environment variable)",
        });
      }
      return createModel(spec, { config, ...(options.role ? { role: options.role } : {}), ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), ...cache });
    },
    async judge(spec, options = {}) {
      const useCache = spec.startsWith('llm:') && config.cache !== false && !options.noCache;
      const judge = await createJudge(spec, {
        config,
        ...(options.samples ? { samples: options.samples } : {}),
        ...(useCache ? { cache: storeCache<CachedSample>(await store()) } : {}),
        ...(spec.startsWith('llm:') ? { capabilityStore: storeCache(await store()) } : {}),
      });
      const caveat = options.forViolation ? violationCaveat(judge) : undefined;
      if (caveat) process.stderr.write(`note: ${caveat}\n`);
      return judge;
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}

/** Run `fn` with a context and always close the store afterwards. */
export async function withContext<T>(command: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = cliContext(command);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
