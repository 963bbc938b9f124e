// The loopback model server for the VILMO benchmark, in its own process so that the benchmark measures the
// client: the scripted world of test/align/vilmo-world.ts (target, generator) with a fixed latency per request.
// Prints its URL; then answers `count` on stdin with a JSON object of request counts by model and the most
// requests it ever answered at once.
import { createInterface } from 'node:readline';
import { startLoopbackServer } from '../../test/support/loopback-server.ts';
import { world } from '../../test/align/vilmo-world.ts';

const latencyMs = Number(process.argv[2] ?? 50);
const server = await startLoopbackServer(world, { latencyMs });
process.stdout.write(`${server.url}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'count') {
    const byModel: Record<string, number> = {};
    for (const r of server.requests) {
      const m = String(r.body?.model ?? '?');
      byModel[m] = (byModel[m] ?? 0) + 1;
    }
    process.stdout.write(`${JSON.stringify({ total: server.requests.length, byModel, peakInFlight: server.peakInFlight })}\n`);
  }
});
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
