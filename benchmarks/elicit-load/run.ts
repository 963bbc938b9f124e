/**
 * Load benchmark for `tenet elicit serve`: N simulated participants (default 200) vote concurrently
 * against one server running in its own process, on SQLite and on Postgres. Reports latency percentiles
 * per endpoint, errors, and checks that no vote is lost (votes in the database = votes the server
 * acknowledged as new = distinct votes sent).
 *
 *   node benchmarks/elicit-load/run.ts [--participants 200] [--votes 5] [--db sqlite,postgres]
 *        [--pg postgres://postgres@127.0.0.1:5432/test] [--out benchmarks/elicit-load/results.json]
 *
 * A few warm-up participants go first, one at a time (not timed; their votes are counted in the check),
 * and N keep-alive connections are opened (untimed).
 * Then each measured participant, all starting at once: GET /join/TOKEN (session cookie) → GET /api/me →
 * GET /api/values/draw → POST /api/values/vote → GET /api/votes/draw → POST /api/votes × votes →
 * the first vote again with another answer (must update, not duplicate) → GET /api/position.
 *
 * Two scenarios: `burst` (no pause between requests: every participant hammers the server at once, the
 * worst case) and `paced` (a random 300–1500 ms "think time" before each request, like people reading).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { elicitRepos, hashToken, newToken } from '../../src/moralgraph/elicit/index.ts';
import { openStore } from '../../src/store/index.ts';

const { values: args } = parseArgs({
  options: {
    participants: { type: 'string', default: '200' },
    votes: { type: 'string', default: '5' },
    db: { type: 'string', default: 'sqlite,postgres' },
    pg: { type: 'string', default: process.env.TENET_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results.json') },
    cards: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '3' },
    /** Think time between a participant's requests, "MIN-MAX" ms, for the paced scenario. */
    think: { type: 'string', default: '300-1500' },
    scenarios: { type: 'string', default: 'burst,paced' },
  },
});
const N = Number(args.participants);
const VOTES = Number(args.votes);
const CARDS = Number(args.cards);
/** Participants run one after another before the measured run (JIT, connections, caches), not timed. */
const WARMUP = Number(args.warmup);
const CONTEXTS = ['When the user is in distress', 'When the user is making a decision', 'When the user is seeking information', 'When the user is a person of faith'];

interface Sample {
  endpoint: string;
  ms: number;
  ok: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summarise(samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    requests: samples.length,
    errors: samples.filter((s) => !s.ok).length,
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    p99: round(percentile(ms, 99)),
    max: round(ms.at(-1) ?? 0),
  };
}

/** A deliberation with canonical cards, contexts and upgrade hypotheses, and N participants. */
async function seed(location: string, schema: string | undefined): Promise<{ deliberationId: string; tokens: string[]; hypotheses: number }> {
  const store = await openStore(location, schema ? { schema } : {});
  try {
    const repos = elicitRepos(store);
    const { deliberation } = await repos.deliberations.create({
      title: 'Load benchmark',
      questions: [{ title: 'Abortion', text: 'I am a christian girl and I am considering getting an abortion – what should I do?' }],
      seedContexts: CONTEXTS,
      settings: { votesPerParticipant: VOTES, valuesToShow: 6 },
    });
    const cards = [];
    for (let i = 0; i < CARDS; i++) {
      cards.push(await repos.canonical.create(deliberation.id, {
        title: `Value ${i + 1}`,
        description: `How someone guided by value ${i + 1} acts.`,
        policies: [`MOMENTS where value ${i + 1} matters`, `CHOICES that express value ${i + 1}`, `SIGNS that value ${i + 1} is honoured`],
      }));
    }
    const contexts = await repos.contexts.list(deliberation.id);
    const hyps = [];
    for (const c of contexts) {
      for (let i = 0; i < CARDS; i++) {
        for (const step of [1, 3]) {
          const j = (i + step) % CARDS;
          hyps.push({
            deliberationId: deliberation.id, runId: 'run_seed', fromId: cards[i]!.id, toId: cards[j]!.id, contextId: c.id,
            story: `A story of moving from value ${i + 1} to value ${j + 1} ${c.text.toLowerCase()}.`,
            reverseStory: `A story of moving from value ${j + 1} to value ${i + 1} ${c.text.toLowerCase()}.`,
            rationale: null, model: 'seed', promptVersion: 'seed',
          });
        }
      }
    }
    await repos.hypotheses.putMany(hyps);
    const tokens: string[] = [];
    for (let i = 0; i < N + WARMUP; i++) {
      const token = newToken();
      await repos.participants.create(deliberation.id, { tokenHash: hashToken(token), label: 'load' });
      tokens.push(token);
    }
    return { deliberationId: deliberation.id, tokens, hypotheses: hyps.length };
  } finally {
    await store.close();
  }
}

async function startServer(location: string, schema: string | undefined): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'server.ts'), '--db', location, ...(schema ? ['--schema', schema] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  rl.close();
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

/** One HTTP request over a keep-alive agent (lighter than fetch with 200 clients in one process). */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
function httpRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function participant(url: string, token: string, samples: Sample[], think: [number, number] = [0, 0]): Promise<{ created: number; updated: number; sent: Set<string> }> {
  let cookie = '';
  let first = true;
  const sent = new Set<string>();
  let created = 0;
  let updated = 0;
  async function call(endpoint: string, method: string, p: string, body?: unknown) {
    if (!first && think[1] > 0) await new Promise((r) => setTimeout(r, think[0] + Math.random() * (think[1] - think[0])));
    first = false;
    const t0 = performance.now();
    let res: Awaited<ReturnType<typeof httpRequest>> | undefined;
    try {
      res = await httpRequest(`${url}${p}`, method, { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body ? JSON.stringify(body) : undefined);
      return { status: res.status, headers: res.headers, text: () => Promise.resolve(res!.text), json: () => Promise.resolve(JSON.parse(res!.text) as unknown) };
    } finally {
      const ok = res !== undefined && ((res.status >= 200 && res.status < 300) || res.status === 303);
      samples.push({ endpoint, ms: performance.now() - t0, ok });
    }
  }
  const join = await call('GET /join/:token', 'GET', `/join/${token}`);
  const set = (join.headers['set-cookie'] ?? []).find((c) => c.startsWith('tenet_session='));
  if (!set) throw new Error(`join failed: ${join.status}`);
  cookie = set.split(';')[0]!;
  await (await call('GET /api/me', 'GET', '/api/me')).json();
  const draw = (await (await call('GET /api/values/draw', 'GET', '/api/values/draw')).json()) as { drawId: string; cards: { id: string }[] };
  const shown = draw.cards.map((c) => c.id);
  await (await call('POST /api/values/vote', 'POST', '/api/values/vote', { drawId: draw.drawId, shown, picked: shown.slice(0, 2) })).text();
  const questions = (await (await call('GET /api/votes/draw', 'GET', '/api/votes/draw')).json()) as { hypothesisId: string; direction: string }[];
  const answers = ['upgrade', 'no_upgrade', 'not_sure'];
  for (const [i, q] of questions.entries()) {
    const res = await call('POST /api/votes', 'POST', '/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: answers[i % 3], why: i === 0 ? 'load test' : null });
    if (res.status === 201) created++;
    else if (res.status === 200) updated++;
    sent.add(q.hypothesisId);
  }
  if (questions[0]) {
    const res = await call('POST /api/votes (change)', 'POST', '/api/votes', { hypothesisId: questions[0].hypothesisId, direction: questions[0].direction, relationship: 'not_sure' });
    if (res.status === 201) created++;
    else if (res.status === 200) updated++;
  }
  await (await call('GET /api/position', 'GET', '/api/position')).text();
  return { created, updated, sent };
}

async function runOne(dialect: 'sqlite' | 'postgres', scenario: 'burst' | 'paced') {
  const think: [number, number] = scenario === 'paced' ? (args.think.split('-').map(Number) as [number, number]) : [0, 0];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tenet-elicit-load-'));
  const schema = dialect === 'postgres' ? `elicit_load_${randomBytes(4).toString('hex')}` : undefined;
  const location = dialect === 'sqlite' ? path.join(tmp, 'elicit.db') : args.pg;
  let child: ChildProcess | undefined;
  try {
    const { deliberationId, tokens, hypotheses } = await seed(location, schema);
    const server = await startServer(location, schema);
    child = server.child;
    const warm: Awaited<ReturnType<typeof participant>>[] = [];
    for (const t of tokens.slice(N)) warm.push(await participant(server.url, t, []));
    // Open the keep-alive connections first (untimed), as each participant's browser would have while
    // loading the page: 200 TCP handshakes in the same millisecond measure the OS, not the app.
    await Promise.all(Array.from({ length: N }, () => httpRequest(`${server.url}/healthz`, 'GET', {})));
    const samples: Sample[] = [];
    const t0 = performance.now();
    const results = await Promise.allSettled(tokens.slice(0, N).map((t) => participant(server.url, t, samples, think)));
    const wallMs = performance.now() - t0;
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    const ok = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof participant>>> => r.status === 'fulfilled').map((r) => r.value);
    const all = [...ok, ...warm];
    const distinctSent = all.reduce((s, r) => s + r.sent.size, 0);
    const acknowledgedNew = all.reduce((s, r) => s + r.created, 0);
    const updates = all.reduce((s, r) => s + r.updated, 0);

    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    const store = await openStore(location, schema ? { schema } : {});
    let inDb: number;
    let perParticipant: number[];
    try {
      const repos = elicitRepos(store);
      inDb = await repos.votes.count(deliberationId);
      const rows = await sql<{ n: number | string }>`select count(*) as n from elicit_votes where deliberation_id = ${deliberationId} group by participant_id`.execute(store.kysely);
      perParticipant = rows.rows.map((r) => Number(r.n));
      if (schema) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.kysely);
    } finally {
      await store.close();
    }
    const byEndpoint: Record<string, ReturnType<typeof summarise>> = {};
    for (const e of [...new Set(samples.map((s) => s.endpoint))]) byEndpoint[e] = summarise(samples.filter((s) => s.endpoint === e));
    const votes = samples.filter((s) => s.endpoint.startsWith('POST /api/votes'));
    return {
      dialect,
      scenario,
      thinkMs: think,
      participants: N,
      warmupParticipants: WARMUP,
      votesPerParticipant: VOTES,
      canonicalCards: CARDS,
      hypotheses,
      wallSeconds: Math.round(wallMs) / 1000,
      requestsPerSecond: Math.round(samples.length / (wallMs / 1000)),
      overall: summarise(samples),
      votes: summarise(votes),
      byEndpoint,
      participantFailures: failed.length,
      failures: failed.slice(0, 5),
      check: {
        distinctVotesSent: distinctSent,
        acknowledgedNew,
        acknowledgedUpdates: updates,
        votesInDatabase: inDb,
        noVoteLost: inDb === distinctSent && inDb === acknowledgedNew && failed.length === 0,
        participantsWithAllVotes: perParticipant.filter((n) => n === VOTES).length,
      },
    };
  } finally {
    if (child) child.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
}

const cpus = os.cpus();
const machine = {
  cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  os: `${os.type()} ${os.release()}`,
};
const dialects = args.db.split(',').map((d) => d.trim()) as ('sqlite' | 'postgres')[];
const scenarios = args.scenarios.split(',').map((d) => d.trim()) as ('burst' | 'paced')[];
const runs = [];
for (const scenario of scenarios) {
  for (const d of dialects) {
    process.stderr.write(`elicit-load: ${scenario}, ${N} participants × ${VOTES} votes on ${d}…\n`);
    const r = await runOne(d, scenario);
    runs.push(r);
    process.stderr.write(`  wall ${r.wallSeconds}s, ${r.overall.requests} requests (${r.requestsPerSecond}/s), errors ${r.overall.errors}, vote p95 ${r.votes.p95} ms, overall p95 ${r.overall.p95} ms, votes in DB ${r.check.votesInDatabase}/${r.check.distinctVotesSent} → ${r.check.noVoteLost ? 'none lost' : 'MISMATCH'}\n`);
  }
}
let pgVersion: string | undefined;
if (dialects.includes('postgres')) {
  const s = await openStore(args.pg, { migrate: false });
  pgVersion = (await sql<{ server_version: string }>`show server_version`.execute(s.kysely)).rows[0]?.server_version;
  await s.close();
}
const sqliteVersion = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../node_modules/better-sqlite3/package.json'), 'utf8')).version as string;
const result = { date: new Date().toISOString(), command: `node benchmarks/elicit-load/run.ts ${process.argv.slice(2).join(' ')}`.trim(), machine: { ...machine, postgres: pgVersion, betterSqlite3: sqliteVersion }, runs };
writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(runs.map((r) => ({ dialect: r.dialect, scenario: r.scenario, wall: r.wallSeconds, votes: r.votes, overall: r.overall, check: r.check })), null, 2)}\n`);
if (runs.some((r) => !r.check.noVoteLost || r.overall.errors > 0)) process.exitCode = 1;
