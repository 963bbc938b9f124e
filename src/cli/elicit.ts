/**
 * `tenet elicit …`: run a Moral Graph Elicitation deliberation. `serve` starts the participants' web app
 * and its admin pages; `create`, `invite`, `status`, `run` and `export` do the admin's work from a shell.
 */
import { createEncoder, DEFAULT_ENCODER, type Encoder } from '../models/encoder.ts';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { TenetError } from '../errors.ts';
import { readDataFile, validateDataFile } from '../datafile.ts';
import {
  createElicitService,
  DeliberationSpecSchema,
  elicitRepos,
  exportDeliberationGraph,
  hashToken,
  newToken,
  toNewDeliberation,
} from '../moralgraph/elicit/index.ts';
import { cliContext, withContext, type CliContext } from './context.ts';
import { action, emit, examples, portNumber, positiveInt, type GlobalOptions } from './io.ts';

function writeJson(file: string, data: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  } catch (error) {
    throw new TenetError('BAD_INPUT', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { location: { file }, cause: error });
  }
}

function embedderFor(ctx: CliContext, spec: string | undefined): Encoder {
  return createEncoder(spec ?? DEFAULT_ENCODER, { config: ctx.config });
}

function requireModel(spec: string | undefined, what: string): string {
  if (!spec) {
    throw new TenetError('BAD_USAGE', `${what} needs a model: --model SPEC`, {
      hint: 'e.g. --model openai:gpt-4o, --model anthropic:claude-sonnet-4-5, or --model ollama:llama3.1:8b',
    });
  }
  return spec;
}

async function deliberationExists(ctx: CliContext, id: string): Promise<void> {
  const repos = elicitRepos(await ctx.store());
  if (!(await repos.deliberations.get(id))) {
    const known = (await repos.deliberations.list()).map((d) => `${d.id} (${d.title})`);
    throw new TenetError('NOT_FOUND', `no deliberation ${id}`, { hint: known.length ? `known: ${known.join(', ')}` : 'create one with tenet elicit create FILE' });
  }
}

export function registerElicit(program: Command): void {
  const elicit = program
    .command('elicit')
    .description('Moral Graph Elicitation: interview participants, collect "wiser?" votes, build the moral graph');

  examples(
    elicit
      .command('serve')
      .description('start the participants\' web app and the admin pages')
      .option('--port <n>', 'port, 0–65535 (0 picks a free one)', portNumber('--port'), 8787)
      .option('--host <host>', 'interface to listen on (0.0.0.0 for every interface; put TLS in front)', '127.0.0.1')
      .option('--model <spec>', 'the interviewer, and every other LLM step unless --job-model is given')
      .option('--job-model <spec>', 'card articulation, dedupe judge, contexts and upgrade stories')
      .option('--embeddings <spec>', `dedupe pre-filter encoder: ${DEFAULT_ENCODER} (after npm run fetch-models), local-encoder:PATH.gguf, an OpenAI-compatible embeddings model, or hashed (offline word hashing, no synonyms)`, DEFAULT_ENCODER)
      .option('--admin-token <token>', 'admin token (default: $TENET_ADMIN_TOKEN; a random one is generated and printed when neither is set)')
      .option('--public-url <url>', 'base URL used in invite links (default: the address the admin uses)')
      .option('--secure-cookies', 'mark cookies Secure (when served over HTTPS)')
      .option('--no-online-dedupe', 'do not match cards as they are submitted (run the dedupe job instead)')
      .option('--rate <n>', 'interview messages per participant per minute', positiveInt('--rate', 10_000), 20)
      .action(
        action(async (opts: { port: number; host: string; model?: string; jobModel?: string; embeddings?: string; adminToken?: string; publicUrl?: string; secureCookies?: boolean; onlineDedupe: boolean; rate: number }, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          const ctx = cliContext(command);
          const model = await ctx.model(requireModel(opts.model, 'tenet elicit serve'), { noCache: true });
          const jobModel = opts.jobModel ? await ctx.model(opts.jobModel) : undefined;
          let adminToken = opts.adminToken ?? process.env.TENET_ADMIN_TOKEN;
          let generated = false;
          if (!adminToken) {
            adminToken = randomBytes(18).toString('base64url');
            generated = true;
          }
          if (adminToken.length < 12) throw new TenetError('BAD_USAGE', 'the admin token must have at least 12 characters');
          const store = await ctx.store();
          const { serveElicit } = await import('../server/serve.ts');
          const server = await serveElicit({
            store,
            model,
            ...(jobModel ? { jobModel } : {}),
            embedder: embedderFor(ctx, opts.embeddings),
            adminToken,
            port: opts.port,
            host: opts.host,
            secureCookies: Boolean(opts.secureCookies),
            dedupe: { online: opts.onlineDedupe },
            rateLimit: { capacity: Math.min(opts.rate, 6), perMinute: opts.rate },
            ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
            log: (m) => process.stderr.write(`[elicit] ${m}\n`),
          });
          emit(g, { url: server.url, admin: `${server.url}/admin`, store: store.describe(), model: model.spec, ...(generated ? { adminToken } : {}) }, () =>
            [
              `tenet elicit: serving on ${server.url}`,
              `  admin:        ${server.url}/admin${generated ? `   (admin token: ${adminToken})` : ''}`,
              `  participants: invite links from the admin page or \`tenet elicit invite\``,
              `  model:        ${model.spec}${jobModel ? ` (jobs: ${jobModel.spec})` : ''}`,
              `  store:        ${store.describe().location}`,
              'Press Ctrl-C to stop.',
            ].join('\n'),
          );
          await new Promise<void>((resolve) => {
            const stop = () => resolve();
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
          });
          await server.close();
          await ctx.close();
        }),
      ),
    [
      'TENET_ADMIN_TOKEN=... tenet elicit serve --model openai:gpt-4o --embeddings openai:text-embedding-3-small',
      'tenet --db postgres://user@host/db elicit serve --model ollama:llama3.1:8b --port 8080 --host 0.0.0.0 --public-url https://elicit.example.org',
    ],
  );

  examples(
    elicit
      .command('create')
      .description('create a deliberation from a YAML or JSON file (title, questions, seedContexts, settings)')
      .argument('<file>', 'the deliberation file')
      .action(
        action(async (file: string, _opts: unknown, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          const spec = validateDataFile(readDataFile(file, 'deliberation'), DeliberationSpecSchema, { what: 'deliberation' });
          await withContext(command, async (ctx) => {
            const { deliberation, questions, contexts } = await elicitRepos(await ctx.store()).deliberations.create(toNewDeliberation(spec));
            emit(g, { id: deliberation.id, questions: questions.length, contexts: contexts.length }, () => `created deliberation ${deliberation.id} (${questions.length} question(s), ${contexts.length} seed context(s))`);
          });
        }),
      ),
    ['tenet elicit create deliberation.yaml'],
  );

  examples(
    elicit
      .command('invite')
      .description('create invite links (the tokens are shown once and stored only as hashes)')
      .argument('<deliberation>', 'deliberation id')
      .option('-n, --count <n>', 'how many', positiveInt('--count', 100_000), 1)
      .option('--label <text>', 'a cohort label (not a name)')
      .option('--base-url <url>', 'the server\'s public URL', 'http://127.0.0.1:8787')
      .action(
        action(async (id: string, opts: { count: number; label?: string; baseUrl: string }, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          await withContext(command, async (ctx) => {
            await deliberationExists(ctx, id);
            const repos = elicitRepos(await ctx.store());
            const base = opts.baseUrl.replace(/\/+$/, '');
            const rows: { participantId: string; url: string }[] = [];
            for (let i = 0; i < opts.count; i++) {
              const token = newToken();
              const p = await repos.participants.create(id, { tokenHash: hashToken(token), ...(opts.label ? { label: opts.label } : {}) });
              rows.push({ participantId: p.id, url: `${base}/join/${token}` });
            }
            emit(g, rows, () => rows.map((r) => r.url).join('\n'));
          });
        }),
      ),
    ['tenet elicit invite d_abc123 -n 200 --label pilot --base-url https://elicit.example.org > invites.txt'],
  );

  examples(
    elicit
      .command('status')
      .description('a deliberation\'s progress (or the list of deliberations)')
      .argument('[deliberation]', 'deliberation id')
      .action(
        action(async (id: string | undefined, _opts: unknown, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          await withContext(command, async (ctx) => {
            const repos = elicitRepos(await ctx.store());
            if (!id) {
              const list = await repos.deliberations.list();
              emit(g, list, () => (list.length ? list.map((d) => `${d.id}  ${d.title}  (created ${d.createdAt})`).join('\n') : 'no deliberations yet: tenet elicit create FILE'));
              return;
            }
            await deliberationExists(ctx, id);
            const progress = await repos.deliberations.progress(id);
            emit(g, progress, () => Object.entries(progress).map(([k, v]) => `${k.padEnd(15)} ${v}`).join('\n'));
          });
        }),
      ),
    ['tenet elicit status', 'tenet elicit status d_abc123 --json'],
  );

  examples(
    elicit
      .command('run')
      .description('run a job now, in this process: dedupe (link cards to canonical ones) or hypotheses (contexts and upgrade stories)')
      .argument('<deliberation>', 'deliberation id')
      .addOption(new Option('--job <kind>', 'which job').choices(['dedupe', 'hypotheses']).makeOptionMandatory())
      .option('--model <spec>', 'the model for the job')
      .option('--embeddings <spec>', 'dedupe pre-filter encoder (see elicit serve --help)', DEFAULT_ENCODER)
      .action(
        action(async (id: string, opts: { job: 'dedupe' | 'hypotheses'; model?: string; embeddings?: string }, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          await withContext(command, async (ctx) => {
            await deliberationExists(ctx, id);
            const model = await ctx.model(requireModel(opts.model, 'tenet elicit run'));
            const service = createElicitService({ store: await ctx.store(), model, embedder: embedderFor(ctx, opts.embeddings) });
            const result = opts.job === 'dedupe' ? await service.admin.runDedupe(id) : await service.admin.runHypotheses(id);
            emit(g, result, () => Object.entries(result).map(([k, v]) => `${k}: ${v}`).join('\n'));
          });
        }),
      ),
    ['tenet elicit run d_abc123 --job hypotheses --model openai:gpt-4o'],
  );

  examples(
    elicit
      .command('export')
      .description('export the deliberation\'s moral graph (no participant ids, stories or comments)')
      .argument('<deliberation>', 'deliberation id')
      .addOption(new Option('--format <format>', 'tenet format or the study\'s MoralGraphSummary').choices(['tenet', 'study']).default('tenet'))
      .addOption(new Option('--mode <mode>', 'aggregation').choices(['improved', 'study']).default('improved'))
      .option('-o, --output <file>', 'where to write it (default: print it)')
      .action(
        action(async (id: string, opts: { format: 'tenet' | 'study'; mode: 'improved' | 'study'; output?: string }, command: Command) => {
          const g = command.optsWithGlobals() as GlobalOptions;
          await withContext(command, async (ctx) => {
            await deliberationExists(ctx, id);
            const doc = await exportDeliberationGraph(elicitRepos(await ctx.store()), id, { format: opts.format, mode: opts.mode });
            if (!opts.output) {
              process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
              return;
            }
            writeJson(opts.output, doc);
            emit(g, { output: opts.output, edges: doc.edges.length, values: doc.values.length }, () => `wrote ${opts.output}: ${doc.values.length} values, ${doc.edges.length} edges (${opts.mode}, ${opts.format} format)`);
          });
        }),
      ),
    ['tenet elicit export d_abc123 --format study --mode study -o graph.json', 'tenet graph rank graph.json'],
  );
}
