/** Values cards: personal cards, the canonical cards they are deduplicated into, and the links between them. */
import { TenetError } from '../../errors.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { stableId } from '../ids.ts';
import { nowIso, toNumber } from '../util.ts';
import { toPersonalCard, toCanonical, toLink } from './rows.ts';
import { type Scope } from './scope.ts';
import {
  LINK_STATUSES,
  type PersonalCard,
  type CanonicalCard,
  type CardLink,
} from './types.ts';

export function cardsRepo({ db }: Scope) {
  const cards = {
    /** Stores a participant's submitted card; one per chat (a second put for the chat returns the first). */
    async put(input: Omit<PersonalCard, 'id' | 'createdAt' | 'embedding' | 'embeddingModel'> & { embedding?: number[] | null; embeddingModel?: string | null }): Promise<{ card: PersonalCard; inserted: boolean }> {
      const id = stableId('card', input.chatId);
      const res = await db
        .insertInto('elicit_cards')
        .values({
          id,
          deliberation_id: input.deliberationId,
          participant_id: input.participantId,
          question_id: input.questionId,
          chat_id: input.chatId,
          title: input.card.title,
          description: input.card.description,
          policies_json: JSON.stringify(input.card.policies),
          quality_json: JSON.stringify(input.quality),
          model: input.model,
          prompt_version: input.promptVersion,
          embedding_json: input.embedding ? JSON.stringify(input.embedding) : null,
          embedding_model: input.embeddingModel ?? null,
          created_at: nowIso(),
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      const card = await cards.byChat(input.chatId);
      return { card: card!, inserted: res.length === 1 };
    },
    async get(id: string): Promise<PersonalCard | undefined> {
      const row = await db.selectFrom('elicit_cards').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPersonalCard(row) : undefined;
    },
    async byChat(chatId: string): Promise<PersonalCard | undefined> {
      const row = await db.selectFrom('elicit_cards').selectAll().where('chat_id', '=', chatId).executeTakeFirst();
      return row ? toPersonalCard(row) : undefined;
    },
    async forParticipant(participantId: string): Promise<PersonalCard[]> {
      const rows = await db.selectFrom('elicit_cards').selectAll().where('participant_id', '=', participantId).orderBy('created_at').execute();
      return rows.map(toPersonalCard);
    },
    async list(deliberationId: string): Promise<PersonalCard[]> {
      const rows = await db.selectFrom('elicit_cards').selectAll().where('deliberation_id', '=', deliberationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPersonalCard);
    },
    /** Cards with no canonical link yet, oldest first. */
    async unlinked(deliberationId: string): Promise<PersonalCard[]> {
      const rows = await db
        .selectFrom('elicit_cards as c')
        .leftJoin('elicit_card_links as l', 'l.card_id', 'c.id')
        .selectAll('c')
        .where('c.deliberation_id', '=', deliberationId)
        .where('l.card_id', 'is', null)
        .orderBy('c.created_at')
        .orderBy('c.id')
        .execute();
      return rows.map(toPersonalCard);
    },
    async setEmbedding(id: string, vector: number[], model: string): Promise<void> {
      await db.updateTable('elicit_cards').set({ embedding_json: JSON.stringify(vector), embedding_model: model }).where('id', '=', id).execute();
    },
  };
  return cards;
}

export function canonicalRepo({ db, tx }: Scope) {
  const canonical = {
    /** A new canonical card with the next `seq` of its deliberation. */
    async create(
      deliberationId: string,
      card: ValuesCard,
      extra: { sourceCardId?: string | null; embedding?: number[] | null; embeddingModel?: string | null; model?: string | null; promptVersion?: string | null } = {},
    ): Promise<CanonicalCard> {
      return tx(async (r) => {
        const max = await r.db
          .selectFrom('elicit_canonical_cards')
          .select((eb) => eb.fn.max('seq').as('m'))
          .where('deliberation_id', '=', deliberationId)
          .executeTakeFirst();
        const seq = toNumber(max?.m) + 1;
        const id = stableId('canonical', deliberationId, seq);
        await r.db
          .insertInto('elicit_canonical_cards')
          .values({
            id,
            deliberation_id: deliberationId,
            seq,
            title: card.title,
            description: card.description,
            policies_json: JSON.stringify(card.policies),
            source_card_id: extra.sourceCardId ?? null,
            embedding_json: extra.embedding ? JSON.stringify(extra.embedding) : null,
            embedding_model: extra.embeddingModel ?? null,
            model: extra.model ?? null,
            prompt_version: extra.promptVersion ?? null,
            created_at: nowIso(),
          })
          .execute();
        return (await r.canonical.get(id))!;
      }, 5);
    },
    async get(id: string): Promise<CanonicalCard | undefined> {
      const row = await db.selectFrom('elicit_canonical_cards').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toCanonical(row) : undefined;
    },
    async list(deliberationId: string): Promise<CanonicalCard[]> {
      const rows = await db.selectFrom('elicit_canonical_cards').selectAll().where('deliberation_id', '=', deliberationId).orderBy('seq').execute();
      return rows.map(toCanonical);
    },
    async setEmbedding(id: string, vector: number[], model: string): Promise<void> {
      await db.updateTable('elicit_canonical_cards').set({ embedding_json: JSON.stringify(vector), embedding_model: model }).where('id', '=', id).execute();
    },
  };
  return canonical;
}

export function linksRepo({ db }: Scope) {
  const links = {
    /** Links a personal card to a canonical one (replacing an earlier link of the card). */
    async put(link: Omit<CardLink, 'createdAt' | 'decidedAt'> & { decidedAt?: string | null }): Promise<CardLink> {
      if (!(LINK_STATUSES as readonly string[]).includes(link.status)) throw new TenetError('BAD_INPUT', `link status must be one of ${LINK_STATUSES.join(', ')}`);
      const now = nowIso();
      const row = {
        card_id: link.cardId,
        canonical_id: link.canonicalId,
        proposed_id: link.proposedId,
        status: link.status,
        similarity: link.similarity,
        rationale: link.rationale,
        model: link.model,
        prompt_version: link.promptVersion,
        created_at: now,
        decided_at: link.decidedAt ?? null,
      };
      await db
        .insertInto('elicit_card_links')
        .values(row)
        .onConflict((oc) =>
          oc.column('card_id').doUpdateSet({
            canonical_id: row.canonical_id,
            proposed_id: row.proposed_id,
            status: row.status,
            similarity: row.similarity,
            rationale: row.rationale,
            model: row.model,
            prompt_version: row.prompt_version,
            created_at: now,
            decided_at: row.decided_at,
          }),
        )
        .execute();
      return (await links.get(link.cardId))!;
    },
    async get(cardId: string): Promise<CardLink | undefined> {
      const row = await db.selectFrom('elicit_card_links').selectAll().where('card_id', '=', cardId).executeTakeFirst();
      return row ? toLink(row) : undefined;
    },
    /**
     * Records the participant's answer to a proposed merge. Only a 'proposed' link can be decided. On
     * "no", `ownCanonicalId` (a canonical card made from their own card) becomes the card's canonical.
     */
    async decide(cardId: string, agree: boolean, ownCanonicalId?: string): Promise<CardLink | undefined> {
      if (!agree && !ownCanonicalId) throw new TenetError('BAD_INPUT', 'links.decide: declining a merge needs the id of the card\'s own canonical card');
      const res = await db
        .updateTable('elicit_card_links')
        .set({ status: agree ? 'agreed' : 'declined', decided_at: nowIso(), ...(agree ? {} : { canonical_id: ownCanonicalId! }) })
        .where('card_id', '=', cardId)
        .where('status', '=', 'proposed')
        .executeTakeFirst();
      if (toNumber(res.numUpdatedRows) === 0) return undefined;
      return links.get(cardId);
    },
    /** The links of one participant's cards (one query), keyed by card id. */
    async forParticipant(participantId: string): Promise<Map<string, CardLink>> {
      const rows = await db
        .selectFrom('elicit_card_links as l')
        .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
        .selectAll('l')
        .where('c.participant_id', '=', participantId)
        .execute();
      return new Map(rows.map((r) => [r.card_id, toLink(r)]));
    },
    async list(deliberationId: string): Promise<CardLink[]> {
      const rows = await db
        .selectFrom('elicit_card_links as l')
        .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
        .selectAll('l')
        .where('c.deliberation_id', '=', deliberationId)
        .orderBy('l.card_id')
        .execute();
      return rows.map(toLink);
    },
  };
  return links;
}
