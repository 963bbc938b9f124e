/** Deliberations with their questions, and the "When …" contexts (seeded, extracted, linked to questions and chats). */
import { TenetError } from '../../errors.ts';
import { stableId } from '../ids.ts';
import type { ElicitSchema } from '../schema.ts';
import { chunk, nowIso, toNumber } from '../util.ts';
import { toDeliberation, toQuestion, toContext } from './rows.ts';
import { type Scope } from './scope.ts';
import {
  randomId,
  normaliseContext,
  settingsOf,
  type Deliberation,
  type DeliberationProgress,
  type NewDeliberation,
  type Question,
  type ElicitContext,
  type ContextSource,
  type LinkStatus,
} from './types.ts';

export function deliberationsRepo({ db, tx }: Scope) {
  const deliberations = {
    async create(input: NewDeliberation): Promise<{ deliberation: Deliberation; questions: Question[]; contexts: ElicitContext[] }> {
      const title = input.title.trim();
      if (!title) throw new TenetError('BAD_INPUT', 'a deliberation needs a title');
      if (input.questions.length === 0) throw new TenetError('BAD_INPUT', 'a deliberation needs at least one question');
      const settings = settingsOf(input.settings);
      const id = input.id ?? randomId('d');
      const now = nowIso();
      return tx(async (r) => {
        await r.db
          .insertInto('elicit_deliberations')
          .values({ id, title, description: input.description?.trim() ?? '', settings_json: JSON.stringify(settings), created_at: now, updated_at: now })
          .execute();
        const questions = input.questions.map((q, i) => ({
          id: stableId('question', id, i),
          deliberation_id: id,
          position: i,
          title: q.title.trim() || `Question ${i + 1}`,
          text: q.text.trim(),
          created_at: now,
        }));
        await r.db.insertInto('elicit_questions').values(questions).execute();
        const contexts = await r.contexts.upsertMany(id, input.seedContexts ?? [], 'seed');
        for (const q of questions) await r.contexts.linkQuestion(q.id, contexts.map((c) => c.id));
        const deliberation = await r.deliberations.get(id);
        return { deliberation: deliberation!, questions: questions.map(toQuestion), contexts };
      });
    },
    async get(id: string): Promise<Deliberation | undefined> {
      const row = await db.selectFrom('elicit_deliberations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toDeliberation(row) : undefined;
    },
    async list(): Promise<Deliberation[]> {
      const rows = await db.selectFrom('elicit_deliberations').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toDeliberation);
    },
    async questions(deliberationId: string): Promise<Question[]> {
      const rows = await db.selectFrom('elicit_questions').selectAll().where('deliberation_id', '=', deliberationId).orderBy('position').execute();
      return rows.map(toQuestion);
    },
    async question(id: string): Promise<Question | undefined> {
      const row = await db.selectFrom('elicit_questions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toQuestion(row) : undefined;
    },
    async progress(deliberationId: string): Promise<DeliberationProgress> {
      const count = async (table: keyof ElicitSchema & `elicit_${string}`, extra?: (q: any) => any): Promise<number> => {
        let q: any = db.selectFrom(table as any).select((eb: any) => eb.fn.countAll().as('n')).where('deliberation_id', '=', deliberationId);
        if (extra) q = extra(q);
        const row = await q.executeTakeFirst();
        return toNumber(row?.n);
      };
      const linkCount = async (status?: LinkStatus): Promise<number> => {
        let q = db
          .selectFrom('elicit_card_links as l')
          .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('c.deliberation_id', '=', deliberationId);
        if (status) q = q.where('l.status', '=', status);
        return toNumber((await q.executeTakeFirst())?.n);
      };
      const voters = await db
        .selectFrom('elicit_votes')
        .select((eb) => eb.fn.count('participant_id').distinct().as('n'))
        .where('deliberation_id', '=', deliberationId)
        .executeTakeFirst();
      return {
        participants: await count('elicit_participants'),
        joined: await count('elicit_participants', (q) => q.where('joined_at', 'is not', null)),
        chats: await count('elicit_chats'),
        cards: await count('elicit_cards'),
        canonicalCards: await count('elicit_canonical_cards'),
        linkedCards: await linkCount(),
        pendingMerges: await linkCount('proposed'),
        contexts: await count('elicit_contexts'),
        hypotheses: await count('elicit_hypotheses'),
        votes: await count('elicit_votes'),
        voters: toNumber(voters?.n),
        valueVotes: await count('elicit_value_votes'),
        impressions: await count('elicit_impressions'),
      };
    },
  };
  return deliberations;
}

export function contextsRepo({ db }: Scope) {
  const contexts = {
    /** Adds contexts (idempotent on the normalised text) and returns them all, in the order given. */
    async upsertMany(
      deliberationId: string,
      texts: readonly string[],
      source: ContextSource,
      provenance: { model?: string; promptVersion?: string } = {},
    ): Promise<ElicitContext[]> {
      const wanted = [...new Set(texts.map(normaliseContext).filter((t) => t.length > 0))];
      if (wanted.length === 0) return [];
      const now = nowIso();
      const rows = wanted.map((text) => ({
        id: stableId('context', deliberationId, text),
        deliberation_id: deliberationId,
        text,
        source,
        model: provenance.model ?? null,
        prompt_version: provenance.promptVersion ?? null,
        created_at: now,
      }));
      for (const part of chunk(rows, 200)) {
        await db.insertInto('elicit_contexts').values(part).onConflict((oc) => oc.doNothing()).execute();
      }
      const found = await db
        .selectFrom('elicit_contexts')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .where('text', 'in', wanted)
        .execute();
      const byText = new Map(found.map((r) => [r.text, toContext(r)]));
      return wanted.map((t) => byText.get(t)).filter((c): c is ElicitContext => c !== undefined);
    },
    async list(deliberationId: string): Promise<ElicitContext[]> {
      const rows = await db.selectFrom('elicit_contexts').selectAll().where('deliberation_id', '=', deliberationId).orderBy('text').execute();
      return rows.map(toContext);
    },
    async get(id: string): Promise<ElicitContext | undefined> {
      const row = await db.selectFrom('elicit_contexts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toContext(row) : undefined;
    },
    async linkQuestion(questionId: string, contextIds: readonly string[]): Promise<void> {
      if (contextIds.length === 0) return;
      const q = await db.selectFrom('elicit_questions').select('deliberation_id').where('id', '=', questionId).executeTakeFirst();
      if (!q) throw new TenetError('NOT_FOUND', `no question ${questionId}`);
      await db
        .insertInto('elicit_question_contexts')
        .values([...new Set(contextIds)].map((context_id) => ({ question_id: questionId, context_id, deliberation_id: q.deliberation_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async forQuestion(questionId: string): Promise<ElicitContext[]> {
      const rows = await db
        .selectFrom('elicit_question_contexts as qc')
        .innerJoin('elicit_contexts as c', 'c.id', 'qc.context_id')
        .selectAll('c')
        .where('qc.question_id', '=', questionId)
        .orderBy('c.text')
        .execute();
      return rows.map(toContext);
    },
    async linkChat(chatId: string, contextIds: readonly string[], provenance: { model?: string; promptVersion?: string } = {}): Promise<void> {
      if (contextIds.length === 0) return;
      const now = nowIso();
      await db
        .insertInto('elicit_chat_contexts')
        .values([...new Set(contextIds)].map((context_id) => ({
          chat_id: chatId,
          context_id,
          model: provenance.model ?? null,
          prompt_version: provenance.promptVersion ?? null,
          created_at: now,
        })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async forChat(chatId: string): Promise<ElicitContext[]> {
      const rows = await db
        .selectFrom('elicit_chat_contexts as cc')
        .innerJoin('elicit_contexts as c', 'c.id', 'cc.context_id')
        .selectAll('c')
        .where('cc.chat_id', '=', chatId)
        .orderBy('c.text')
        .execute();
      return rows.map(toContext);
    },
    /** (chat, context) links of a deliberation. */
    async chatLinks(deliberationId: string): Promise<{ chatId: string; contextId: string }[]> {
      const rows = await db
        .selectFrom('elicit_chat_contexts as cc')
        .innerJoin('elicit_chats as ch', 'ch.id', 'cc.chat_id')
        .select(['cc.chat_id', 'cc.context_id'])
        .where('ch.deliberation_id', '=', deliberationId)
        .orderBy('cc.chat_id')
        .orderBy('cc.context_id')
        .execute();
      return rows.map((r) => ({ chatId: r.chat_id, contextId: r.context_id }));
    },
  };
  return contexts;
}
