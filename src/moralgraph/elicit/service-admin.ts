/** Admin operations of the elicitation service: deliberations, invites, background jobs (dedupe, hypotheses) and the graph. They take deliberation ids; the caller has checked that the admin is signed in. */
import { randomBytes } from 'node:crypto';
import { redactSecrets } from '../../redact.ts';
import { TenetError } from '../../errors.ts';
import type { CanonicalCard, Job, NewDeliberation } from '../../store/elicit-repos.ts';
import { exportDeliberationGraph, graphView, type GraphMode, type GraphView } from './graph.ts';
import { extractContexts, proposeUpgrades } from './hypotheses.ts';
import { conflict, hashToken, newToken, notFound, type ServiceCore } from './service-core.ts';

export function adminOperations(core: ServiceCore) {
  const { options, repos, jobModel, log, runningJobs, background, linkCard, cachedGraph } = core;
  const admin = {
    createDeliberation: (input: NewDeliberation) => repos.deliberations.create(input),
    listDeliberations: () => repos.deliberations.list(),

    async detail(deliberationId: string) {
      const deliberation = await repos.deliberations.get(deliberationId);
      if (!deliberation) throw notFound('deliberation');
      const [questions, contexts, progress, jobs, participants] = await Promise.all([
        repos.deliberations.questions(deliberationId),
        repos.contexts.list(deliberationId),
        repos.deliberations.progress(deliberationId),
        repos.jobs.list(deliberationId),
        repos.participants.list(deliberationId),
      ]);
      return {
        deliberation,
        questions,
        contexts: contexts.map((c) => ({ id: c.id, text: c.text, source: c.source })),
        progress,
        jobs,
        participants: participants.map((p) => ({ id: p.id, label: p.label, createdAt: p.createdAt, joinedAt: p.joinedAt, lastSeenAt: p.lastSeenAt })),
      };
    },

    /** New participants with invite tokens. The raw tokens are returned only here, once. */
    async invite(deliberationId: string, input: { count: number; label?: string }): Promise<{ participantId: string; token: string }[]> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > 1000) throw new TenetError('BAD_INPUT', 'count must be an integer from 1 to 1000');
      const out: { participantId: string; token: string }[] = [];
      for (let i = 0; i < input.count; i++) {
        const token = newToken();
        const p = await repos.participants.create(deliberationId, { tokenHash: hashToken(token), ...(input.label ? { label: input.label } : {}) });
        out.push({ participantId: p.id, token });
      }
      return out;
    },

    /** Links every card that has no canonical link yet (what the online step does, in bulk). */
    async runDedupe(deliberationId: string): Promise<{ processed: number; proposed: number; created: number }> {
      const pending = await repos.cards.unlinked(deliberationId);
      let proposed = 0;
      let created = 0;
      for (const card of pending) {
        const r = await linkCard(card);
        if (r.status === 'proposed') proposed++;
        else created++;
      }
      return { processed: pending.length, proposed, created };
    },

    /**
     * Extracts contexts for submitted chats that have none, then proposes upgrade hypotheses (with reverse
     * stories) per context among the canonical cards of the chats in it. Earlier runs are kept.
     */
    async runHypotheses(deliberationId: string): Promise<{ runId: string; chatsWithNewContexts: number; contexts: number; hypotheses: number }> {
      const runId = `run_${new Date().toISOString().replace(/[-:.]/g, '')}_${randomBytes(3).toString('hex')}`;
      const chats = (await repos.chats.list(deliberationId)).filter((c) => c.status === 'submitted');
      const linked = new Set((await repos.contexts.chatLinks(deliberationId)).map((l) => l.chatId));
      let chatsWithNewContexts = 0;
      for (const chat of chats) {
        if (linked.has(chat.id)) continue;
        const card = await repos.cards.byChat(chat.id);
        const question = await repos.deliberations.question(chat.questionId);
        if (!card || !question) continue;
        const existing = [...new Set([...(await repos.contexts.forQuestion(question.id)), ...(await repos.contexts.list(deliberationId))].map((c) => c.text))];
        const extracted = await extractContexts(jobModel, { question: question.text, card: card.card, messages: chat.messages, existing });
        if (extracted.contexts.length === 0) continue;
        const rows = await repos.contexts.upsertMany(deliberationId, extracted.contexts, 'extracted', { model: extracted.model, promptVersion: extracted.promptVersion });
        await repos.contexts.linkChat(chat.id, rows.map((r) => r.id), { model: extracted.model, promptVersion: extracted.promptVersion });
        await repos.contexts.linkQuestion(question.id, rows.map((r) => r.id));
        chatsWithNewContexts++;
      }
      // Context → the canonical cards of the chats in it.
      const byContext = new Map<string, Set<string>>();
      for (const { chatId, contextId } of await repos.contexts.chatLinks(deliberationId)) {
        const card = await repos.cards.byChat(chatId);
        const link = card ? await repos.links.get(card.id) : undefined;
        if (!link || link.status === 'proposed') continue;
        const set = byContext.get(contextId) ?? new Set<string>();
        set.add(link.canonicalId);
        byContext.set(contextId, set);
      }
      const canonical = new Map((await repos.canonical.list(deliberationId)).map((c) => [c.id, c]));
      const tallies = await repos.valueVotes.tallies(deliberationId);
      const contexts = new Map((await repos.contexts.list(deliberationId)).map((c) => [c.id, c.text]));
      let hypotheses = 0;
      let usedContexts = 0;
      for (const [contextId, ids] of [...byContext].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (ids.size < 2) continue;
        const cards = [...ids]
          .map((id) => canonical.get(id))
          .filter((c): c is CanonicalCard => c !== undefined)
          .sort((a, b) => (tallies.get(b.id)?.votes ?? 0) - (tallies.get(a.id)?.votes ?? 0) || a.seq - b.seq)
          .slice(0, options.maxCardsPerContext ?? 12);
        const proposals = await proposeUpgrades(jobModel, { context: contexts.get(contextId) ?? contextId, cards: cards.map((c) => ({ id: c.id, card: c.card })) });
        const res = await repos.hypotheses.putMany(proposals.map((p) => ({ deliberationId, runId, contextId, ...p })));
        hypotheses += res.inserted;
        usedContexts++;
      }
      return { runId, chatsWithNewContexts, contexts: usedContexts, hypotheses };
    },

    /** Starts a background job ('dedupe' or 'hypotheses'); one of each kind at a time per deliberation. */
    async startJob(deliberationId: string, kind: 'dedupe' | 'hypotheses'): Promise<Job> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      const key = `${deliberationId}:${kind}`;
      if (runningJobs.has(key)) throw conflict(`a ${kind} job is already running for this deliberation`);
      runningJobs.add(key);
      const job = await repos.jobs.create(deliberationId, kind);
      const run = (async () => {
        try {
          await repos.jobs.update(job.id, { status: 'running' });
          const result = kind === 'dedupe' ? await admin.runDedupe(deliberationId) : await admin.runHypotheses(deliberationId);
          await repos.jobs.update(job.id, { status: 'done', result });
          log(`job ${kind} ${job.id}: ${JSON.stringify(result)}`);
        } catch (e) {
          const message = redactSecrets(e instanceof Error ? e.message : String(e));
          log(`job ${kind} ${job.id} failed: ${message}`);
          await repos.jobs.update(job.id, { status: 'failed', error: message }).catch(() => {});
        } finally {
          runningJobs.delete(key);
        }
      })();
      background.add(run);
      void run.finally(() => background.delete(run));
      return job;
    },

    getJob: (jobId: string) => repos.jobs.get(jobId),

    async graph(deliberationId: string, opts: { mode?: GraphMode; context?: string | null; show?: 'kept' | 'all' } = {}): Promise<GraphView> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      const { graph, data } = await cachedGraph(deliberationId, opts.mode ?? 'improved');
      return graphView(graph, data.canonical, { context: opts.context ?? null, show: opts.show ?? 'all' });
    },

    exportGraph: (deliberationId: string, opts: { mode?: GraphMode; format?: 'tenet' | 'study' } = {}) => exportDeliberationGraph(repos, deliberationId, opts),
  };
  return admin;
}
