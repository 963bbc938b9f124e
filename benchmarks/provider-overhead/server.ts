// The loopback model server in its own process, so the benchmark measures the client, not the server.
import { startLoopbackServer } from '../../test/support/loopback-server.ts';

const latencyMs = Number(process.argv[2] ?? 50);
const server = await startLoopbackServer(() => 'The quick brown fox jumps over the lazy dog.', { latencyMs });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
