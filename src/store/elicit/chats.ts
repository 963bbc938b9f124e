/** Interview transcripts: one chat per participant and question. */
import { stableId } from '../ids.ts';
import { nowIso } from '../util.ts';
import { toChat } from './rows.ts';
import { type Scope } from './scope.ts';
import {
  type Participant,
  type Chat,
} from './types.ts';

export function chatsRepo({ db }: Scope) {
  const chats = {
    /** The participant's chat on a question (one per participant and question), created on first use. */
    async open(participant: Participant, questionId: string, provenance: { model: string; promptVersion: string }): Promise<Chat> {
      const id = stableId('chat', participant.id, questionId);
      const now = nowIso();
      await db
        .insertInto('elicit_chats')
        .values({
          id,
          deliberation_id: participant.deliberationId,
          participant_id: participant.id,
          question_id: questionId,
          messages_json: '[]',
          provisional_card_json: null,
          card_shown_at: null,
          status: 'open',
          model: provenance.model,
          prompt_version: provenance.promptVersion,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return (await chats.get(id))!;
    },
    async get(id: string): Promise<Chat | undefined> {
      const row = await db.selectFrom('elicit_chats').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toChat(row) : undefined;
    },
    /** A chat only if it belongs to this participant. */
    async getOwned(id: string, participantId: string): Promise<Chat | undefined> {
      const row = await db.selectFrom('elicit_chats').selectAll().where('id', '=', id).where('participant_id', '=', participantId).executeTakeFirst();
      return row ? toChat(row) : undefined;
    },
    async forParticipant(participantId: string): Promise<Chat[]> {
      const rows = await db.selectFrom('elicit_chats').selectAll().where('participant_id', '=', participantId).orderBy('created_at').execute();
      return rows.map(toChat);
    },
    async list(deliberationId: string): Promise<Chat[]> {
      const rows = await db.selectFrom('elicit_chats').selectAll().where('deliberation_id', '=', deliberationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toChat);
    },
    async save(chat: Pick<Chat, 'id' | 'messages' | 'provisionalCard' | 'cardShownAt' | 'status'> & { model?: string; promptVersion?: string }): Promise<void> {
      await db
        .updateTable('elicit_chats')
        .set({
          messages_json: JSON.stringify(chat.messages),
          provisional_card_json: chat.provisionalCard === null ? null : JSON.stringify(chat.provisionalCard),
          card_shown_at: chat.cardShownAt,
          status: chat.status,
          ...(chat.model ? { model: chat.model } : {}),
          ...(chat.promptVersion ? { prompt_version: chat.promptVersion } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', chat.id)
        .execute();
    },
  };
  return chats;
}
