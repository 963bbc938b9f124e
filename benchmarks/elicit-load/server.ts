/**
 * The elicitation server as its own process, for the load benchmark: `node benchmarks/elicit-load/server.ts
 * --db LOCATION [--schema NAME] [--port 0]`. Prints one JSON line `{"url": ...}` on stdout when listening;
 * exits on SIGTERM or when stdin closes. The model is a stub: voting never calls one.
 */
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createElicitApp } from '../../src/server/index.ts';
import { openStore } from '../../src/store/index.ts';
import { hashedEncoder } from '../../src/models/encoder.ts';
import type { Provider } from '../../src/models/types.ts';

const { values } = parseArgs({ options: { db: { type: 'string' }, schema: { type: 'string' }, port: { type: 'string', default: '0' }, pool: { type: 'string', default: '10' } } });

const stub: Provider = {
  spec: 'stub:none',
  kind: 'openai',
  model: 'none',
  baseUrl: undefined,
  capabilities: { nativeN: false, logprobs: false, jsonSchema: 'instructions', tools: true, score: [] },
  chat: () => Promise.reject(new Error('the load benchmark does not call a model')),
  score: () => Promise.reject(new Error('the load benchmark does not call a model')),
  scoringSupport: () => Promise.resolve({ available: false, reason: 'the load benchmark does not call a model' }),
  totals: () => ({ calls: 0, samples: 0, cachedSamples: 0, retries: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedCalls: 0 }),
};

const store = await openStore(values.db, { ...(values.schema ? { schema: values.schema } : {}), poolSize: Number(values.pool) });
const { app, service } = createElicitApp({ store, model: stub, embedder: hashedEncoder(), adminToken: 'load-benchmark-admin-token', log: (m) => process.stderr.write(`${m}\n`) });
/** Requests slower than this (handler time, in the server) are reported on stderr. */
const SLOW_MS = Number(process.env.ELICIT_LOAD_SLOW_MS ?? 1000);
const server = serve({
  port: Number(values.port),
  hostname: '127.0.0.1',
  fetch: async (req: Request) => {
    const t0 = performance.now();
    const res = await app.fetch(req);
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) process.stderr.write(`slow: ${req.method} ${new URL(req.url).pathname.replace(/\/join\/.*/, '/join/…')} ${ms.toFixed(0)} ms\n`);
    return res;
  },
});
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.stdout.write(`${JSON.stringify({ url, dialect: store.dialect })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await new Promise((r) => server.close(r));
  await service.idle();
  await store.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
