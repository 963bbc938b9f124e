// The loopback model server for the pipeline benchmark, in its own process so that the benchmark measures the
// client. Prints its URL; then answers `count` on stdin with the number of requests it has received.
import { createInterface } from 'node:readline';
import { startLoopbackServer } from '../../test/support/loopback-server.ts';

const latencyMs = Number(process.argv[2] ?? 50);
const CONTINUATIONS = [
  'he shoved the stranger aside, grabbed the wallet from the bench and ran off without looking back.',
  'he picked up the wallet, found the owner’s address inside and walked it over to her house that evening.',
  'she laughed at her classmate’s mistake in front of everyone, and the room went quiet.',
  'they agreed to split the prize fairly, even though nobody would have noticed if they had not.',
  'he told his manager the truth about the missing money, knowing it might cost him the promotion.',
];
const server = await startLoopbackServer((req) => CONTINUATIONS[(req.callIndex * 7 + req.choiceIndex) % CONTINUATIONS.length]!, { latencyMs });
process.stdout.write(`${server.url}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${server.requests.length}\n`);
  if (line.trim() === 'reset') {
    server.requests.length = 0;
    process.stdout.write('0\n');
  }
});
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
