/** Participant operations of the elicitation service. Each takes the authenticated Participant and only ever reads or changes that participant's own chats, cards and votes; someone else's resource is reported as not found. */
import { timingSafeEqual } from 'node:crypto';
import { TenetError } from '../../errors.ts';
import { pairKeyOf, type CardLink, type Hypothesis, type Participant, type VoteRelationship } from '../../store/elicit-repos.ts';
import { validateValuesCard } from '../../values/cards.ts';
import { graphView, type GraphMode } from './graph.ts';
import { interviewPromptVersion, interviewTurn, participantAnsweredCard } from './interview.ts';
import {
  CONFIRM_TEXT,
  MAX_MESSAGE_CHARS,
  conflict,
  hashToken,
  newToken,
  notFound,
  unit,
  view,
  type ChatEvent,
  type ChatView,
  type ParticipantOverview,
  type PositionView,
  type ServiceCore,
  type ValueDraw,
  type VoteQuestion,
} from './service-core.ts';

export function participantOperations(core: ServiceCore) {
  const { options, repos, model, jobModel, sessionTtlMs, onlineDedupe, log, publicError, busyChats, linkLock, chatView, ownCard, signDraw, linkCard, myCanonicalIds, cachedGraph, snapshot } = core;
  const participant = {
    /** Exchanges an invite token for a new session; undefined when the token is unknown. */
    async join(token: string): Promise<{ participant: Participant; sessionToken: string; expiresAt: string } | undefined> {
      if (typeof token !== 'string' || token.length < 16 || token.length > 200) return undefined;
      const p = await repos.participants.byTokenHash(hashToken(token));
      if (!p) return undefined;
      const sessionToken = newToken(32);
      const expiresAt = new Date(Date.now() + sessionTtlMs).toISOString();
      await repos.sessions.create(hashToken(sessionToken), p.id, expiresAt);
      await repos.participants.markJoined(p.id);
      return { participant: p, sessionToken, expiresAt };
    },

    async fromSession(sessionToken: string | undefined): Promise<Participant | undefined> {
      if (!sessionToken || sessionToken.length > 200) return undefined;
      return repos.sessions.participant(hashToken(sessionToken));
    },

    logout: (sessionToken: string) => repos.sessions.delete(hashToken(sessionToken)),

    async overview(p: Participant): Promise<ParticipantOverview> {
      const snap = await snapshot(p.deliberationId);
      const { deliberation, questions } = snap;
      const [chats, cards, votes, picks] = await Promise.all([
        repos.chats.forParticipant(p.id),
        repos.cards.forParticipant(p.id),
        repos.votes.forParticipant(p.id),
        repos.valueVotes.forParticipant(p.id),
      ]);
      const chatOf = new Map(chats.map((c) => [c.questionId, c]));
      const cardViews: ParticipantOverview['cards'] = [];
      const links = cards.length ? await repos.links.forParticipant(p.id) : new Map<string, CardLink>();
      for (const c of cards) {
        const link = links.get(c.id);
        const canonical = link ? (snap.canonicalById.get(link.canonicalId) ?? (await repos.canonical.get(link.canonicalId))) : undefined;
        cardViews.push({
          id: c.id,
          questionId: c.questionId,
          card: view(c.card),
          link: link && canonical ? { status: link.status, canonical: { id: canonical.id, ...view(canonical.card) } } : null,
        });
      }
      const canonicalCount = cards.length > 0 && picks.length === 0 ? (await repos.canonical.list(p.deliberationId)).length : snap.canonical.length;
      return {
        deliberation: { id: deliberation.id, title: deliberation.title, description: deliberation.description, settings: deliberation.settings },
        questions: questions.map((q) => {
          const chat = chatOf.get(q.id);
          return { id: q.id, title: q.title, text: q.text, chat: chat ? { id: chat.id, status: chat.status } : null };
        }),
        cards: cardViews,
        steps: {
          interview: cards.length > 0,
          values: picks.length > 0 || canonicalCount < 2,
          votes: { done: votes.length, target: deliberation.settings.votesPerParticipant },
        },
      };
    },

    async openChat(p: Participant, questionId: string): Promise<ChatView> {
      const q = await repos.deliberations.question(questionId);
      if (!q || q.deliberationId !== p.deliberationId) throw notFound('question');
      const chat = await repos.chats.open(p, questionId, { model: model.spec, promptVersion: interviewPromptVersion() });
      return chatView(chat);
    },

    async getChat(p: Participant, chatId: string): Promise<ChatView> {
      const chat = await repos.chats.getOwned(chatId, p.id);
      if (!chat) throw notFound('chat');
      return chatView(chat);
    },

    /**
     * One interview turn: appends the participant's message (or their confirmation of the card shown, or
     * nothing to start the interview or retry after an error), runs the interviewer, and reports what
     * happened through `emit` (text deltas first). The transcript is saved before the model is called,
     * so a failed call loses nothing.
     */
    async chatTurn(p: Participant, chatId: string, input: { text?: string; confirm?: boolean }, emit: (e: ChatEvent) => void, signal?: AbortSignal): Promise<ChatView> {
      const found = await repos.chats.getOwned(chatId, p.id);
      if (!found) throw notFound('chat');
      if (found.status !== 'open') throw conflict('this interview is finished: the card was submitted');
      if (busyChats.has(chatId)) throw conflict('the interviewer is still answering your last message');
      busyChats.add(chatId);
      try {
        const chat = found;
        const question = (await repos.deliberations.question(chat.questionId))!;
        const text = (input.text ?? '').trim();
        if (text.length > MAX_MESSAGE_CHARS) throw new TenetError('BAD_INPUT', `a message may have at most ${MAX_MESSAGE_CHARS} characters`);
        const now = new Date().toISOString();
        const last = chat.messages[chat.messages.length - 1];
        if (input.confirm) {
          if (!chat.provisionalCard) throw new TenetError('BAD_INPUT', 'there is no card to confirm yet');
          chat.messages.push({ role: 'user', content: CONFIRM_TEXT, at: now, kind: 'confirm' });
        } else if (text) {
          chat.messages.push({ role: 'user', content: text, at: now });
        } else if (chat.messages.length > 0 && last?.role !== 'user') {
          throw new TenetError('BAD_INPUT', 'write a message first');
        }
        await repos.chats.save(chat);

        let outcome;
        try {
          outcome = await interviewTurn(
            model,
            { question: question.text, messages: chat.messages, provisionalCard: chat.provisionalCard, cardShownAt: chat.cardShownAt },
            {
              onDelta: (d) => emit({ type: 'delta', text: d }),
              ...(signal ? { signal } : {}),
              ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
              ...(options.articulate ? { articulate: options.articulate } : {}),
            },
          );
        } catch (e) {
          const failure = publicError(e, `chat ${chatId}`, 'the interviewer could not answer');
          emit({ type: 'error', message: `${failure.message}. Send your message again, or press Retry.`, ...(failure.id ? { id: failure.id } : {}) });
          return chatView(chat);
        }
        const at = new Date().toISOString();
        // The participant pressed "this is my value": if the model answered with text instead of
        // submitting, their explicit confirmation of the card they saw is what counts.
        const confirmedByButton = input.confirm === true && outcome.kind === 'message' && participantAnsweredCard(chat);
        if (outcome.kind === 'show_card') {
          chat.messages.push({
            role: 'assistant',
            content: outcome.text,
            at,
            kind: 'show_card',
            card: outcome.card,
            provenance: { ...outcome.articulation, quality: outcome.quality },
          });
          chat.provisionalCard = outcome.card;
          chat.cardShownAt = chat.messages.length;
          await repos.chats.save(chat);
          emit({ type: 'card', card: view(outcome.card), quality: { ok: outcome.quality.ok, issues: outcome.quality.issues.map((i) => ({ path: i.path, message: i.message })) } });
        } else if (outcome.kind === 'submit_card' || confirmedByButton) {
          const card = validateValuesCard(chat.provisionalCard);
          const shown = [...chat.messages].reverse().find((m) => m.kind === 'show_card');
          if (outcome.kind === 'message') chat.messages.push({ role: 'assistant', content: outcome.text, at });
          chat.messages.push({ role: 'assistant', content: outcome.kind === 'submit_card' ? outcome.text : 'Thank you. Your values card is submitted.', at, kind: 'submit_card', card });
          chat.status = 'submitted';
          await repos.chats.save(chat);
          const { card: stored } = await repos.cards.put({
            deliberationId: chat.deliberationId,
            participantId: p.id,
            questionId: chat.questionId,
            chatId: chat.id,
            card,
            quality: shown?.provenance?.quality ?? { ok: true, issues: [] },
            model: shown?.provenance?.model ?? jobModel.spec,
            promptVersion: shown?.provenance?.promptVersion ?? 'unknown',
          });
          emit({ type: 'submitted', cardId: stored.id, card: view(card) });
          if (onlineDedupe) {
            try {
              const linked = await linkCard(stored);
              if (linked.status === 'proposed') emit({ type: 'merge_proposal', cardId: stored.id, canonical: { id: linked.canonical.id, ...view(linked.canonical.card) } });
              else emit({ type: 'linked', cardId: stored.id, canonicalId: linked.canonical.id });
            } catch (e) {
              // The card is safe; the admin's dedupe job links it later.
              log(`dedupe of card ${stored.id} failed: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        } else {
          chat.messages.push({ role: 'assistant', content: outcome.text, at });
          await repos.chats.save(chat);
          emit({ type: 'message', content: outcome.text });
        }
        const final = chatView(chat);
        emit({ type: 'done', chat: final });
        return final;
      } finally {
        busyChats.delete(chatId);
      }
    },

    /** The participant's answer to a proposed merge of their card into a canonical card. */
    async decideMerge(p: Participant, cardId: string, agree: boolean): Promise<{ status: CardLink['status']; canonicalId: string }> {
      const card = await ownCard(p, cardId);
      return linkLock(card.deliberationId, async () => {
        const link = await repos.links.get(card.id);
        if (!link || link.status !== 'proposed') throw conflict('there is no merge waiting for your answer on this card');
        if (agree) {
          const done = await repos.links.decide(card.id, true);
          return { status: done!.status, canonicalId: done!.canonicalId };
        }
        const own = await repos.canonical.create(card.deliberationId, card.card, {
          sourceCardId: card.id,
          embedding: card.embedding,
          embeddingModel: card.embeddingModel,
        });
        const done = await repos.links.decide(card.id, false, own.id);
        return { status: done!.status, canonicalId: done!.canonicalId };
      });
    },

    /** Up to `valuesToShow` canonical cards (not the participant's own), least seen first. */
    async drawValues(p: Participant): Promise<ValueDraw> {
      const [snap, mineIds] = await Promise.all([snapshot(p.deliberationId), myCanonicalIds(p)]);
      const d = snap.deliberation;
      const mine = new Set(mineIds);
      const tallies = snap.tallies;
      const pool = snap.canonical.filter((c) => !mine.has(c.id));
      const shuffle = new Map(pool.map((c) => [c.id, unit(`${p.id}|${c.id}`)]));
      pool.sort((a, b) => (tallies.get(a.id)?.impressions ?? 0) - (tallies.get(b.id)?.impressions ?? 0) || shuffle.get(a.id)! - shuffle.get(b.id)!);
      const cards = pool.slice(0, d.settings.valuesToShow);
      const ids = cards.map((c) => c.id);
      return {
        drawId: signDraw(p.id, ids),
        cards: cards.map((c) => ({ id: c.id, ...view(c.card) })),
        minPicks: Math.min(d.settings.minValuePicks, cards.length),
      };
    },

    async submitValueVote(p: Participant, input: { drawId: string; shown: string[]; picked: string[] }): Promise<{ recorded: number }> {
      const expected = Buffer.from(signDraw(p.id, input.shown));
      const given = Buffer.from(String(input.drawId));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new TenetError('BAD_INPUT', 'this selection of cards was not drawn for you; reload the page');
      const shown = new Set(input.shown);
      if (!input.picked.every((id) => shown.has(id))) throw new TenetError('BAD_INPUT', 'pick only among the cards shown');
      const d = (await snapshot(p.deliberationId)).deliberation;
      const min = Math.min(d.settings.minValuePicks, shown.size);
      if (new Set(input.picked).size < min) throw new TenetError('BAD_INPUT', `pick at least ${min} card${min === 1 ? '' : 's'}`);
      await repos.valueVotes.record({ deliberationId: p.deliberationId, participantId: p.id, drawId: input.drawId.slice(0, 64), shown: [...shown], picked: input.picked });
      return { recorded: new Set(input.picked).size };
    },

    /**
     * The "did this person become wiser?" questions still open for this participant: hypotheses on pairs
     * and contexts they have not voted on, those touching values they picked (or their own) first, then
     * those with the fewest votes; each shown forward or reversed (counterbalanced per participant).
     */
    async drawVotes(p: Participant): Promise<VoteQuestion[]> {
      const [snap, mine, picked, voted] = await Promise.all([
        snapshot(p.deliberationId),
        myCanonicalIds(p),
        repos.valueVotes.forParticipant(p.id),
        repos.votes.forParticipant(p.id),
      ]);
      const { deliberation: d, hypotheses: current, voteCounts: counts } = snap;
      const remaining = Math.max(0, d.settings.votesPerParticipant - voted.length);
      if (remaining === 0) return [];
      const done = new Set(voted.map((v) => `${pairKeyOf(v.fromId, v.toId)}#${v.contextId}`));
      const interesting = new Set([...mine, ...picked]);
      const open = current.filter((h) => !done.has(`${pairKeyOf(h.fromId, h.toId)}#${h.contextId}`));
      const score = (h: Hypothesis) => (interesting.has(h.fromId) || interesting.has(h.toId) ? 0 : 1);
      const shuffle = new Map(open.map((h) => [h.id, unit(`${p.id}|${h.id}`)]));
      open.sort((a, b) => score(a) - score(b) || (counts.get(a.id) ?? 0) - (counts.get(b.id) ?? 0) || shuffle.get(a.id)! - shuffle.get(b.id)!);
      const chosen: Hypothesis[] = [];
      const pairs = new Set<string>();
      for (const h of open) {
        const key = pairKeyOf(h.fromId, h.toId);
        if (pairs.has(key)) continue; // one context per pair per draw
        pairs.add(key);
        chosen.push(h);
        if (chosen.length === remaining) break;
      }
      const { canonicalById: canonical, contexts } = snap;
      // Counterbalanced per participant; a story shown before keeps the direction it was shown in. What is
      // served is recorded: a vote is accepted only on a story served to that participant, in that direction.
      const before = await repos.served.forParticipant(p.id);
      const directionOf = (h: Hypothesis): 'forward' | 'reverse' => before.get(h.id) ?? (unit(`direction|${p.id}|${h.id}`) < 0.5 ? 'forward' : 'reverse');
      await repos.served.record(p.id, p.deliberationId, chosen.map((h) => ({ hypothesisId: h.id, direction: directionOf(h) })));
      return chosen.map((h) => {
        const direction = directionOf(h);
        const a = canonical.get(h.fromId)!;
        const b = canonical.get(h.toId)!;
        const [from, to] = direction === 'forward' ? [a, b] : [b, a];
        return {
          hypothesisId: h.id,
          direction,
          context: contexts.get(h.contextId) ?? '',
          from: { id: from.id, ...view(from.card) },
          to: { id: to.id, ...view(to.card) },
          story: direction === 'forward' ? h.story : h.reverseStory,
        };
      });
    },

    /**
     * Casts (or changes) the participant's vote on a story the server showed them. The direction is the
     * one it was served in (recorded by drawVotes); a client's `direction`, if sent, must agree with it.
     */
    async castVote(p: Participant, input: { hypothesisId: string; direction?: 'forward' | 'reverse'; relationship: VoteRelationship; why?: string | null }): Promise<{ created: boolean; voteId: string }> {
      const h = (await snapshot(p.deliberationId)).hypothesisById.get(input.hypothesisId) ?? (await repos.hypotheses.get(input.hypothesisId));
      if (!h || h.deliberationId !== p.deliberationId) throw notFound('story');
      const direction = await repos.served.get(p.id, h.id);
      if (!direction) throw conflict('this story was not shown to you; reload the page to get your questions');
      if (input.direction !== undefined && input.direction !== direction) throw conflict('this story was shown to you the other way round; reload the page');
      const forward = direction === 'forward';
      const why = input.why?.trim() ? input.why.trim().slice(0, 2000) : null;
      const { vote, created } = await repos.votes.cast({
        deliberationId: p.deliberationId,
        participantId: p.id,
        hypothesisId: h.id,
        fromId: forward ? h.fromId : h.toId,
        toId: forward ? h.toId : h.fromId,
        contextId: h.contextId,
        relationship: input.relationship,
        storyShown: forward ? h.story : h.reverseStory,
        direction,
        why,
      });
      return { created, voteId: vote.id };
    },

    async myVotes(p: Participant) {
      const votes = await repos.votes.forParticipant(p.id);
      return votes.map((v) => ({ id: v.id, hypothesisId: v.hypothesisId, direction: v.direction, relationship: v.relationship, why: v.why, updatedAt: v.updatedAt }));
    },

    /** Where the participant's value sits in the graph (improved aggregation; raw counts beside it). */
    async position(p: Participant, mode: GraphMode = 'improved'): Promise<PositionView> {
      const cards = await repos.cards.forParticipant(p.id);
      const links = await repos.links.forParticipant(p.id);
      const { graph, data } = await cachedGraph(p.deliberationId, mode);
      const bySeq = new Map(data.canonical.map((c) => [c.seq, c]));
      const byId = new Map(data.canonical.map((c) => [c.id, c]));
      const out: PositionView['cards'] = [];
      const mine = new Set<number>();
      for (const c of cards) {
        const link = links.get(c.id);
        const canonical = link ? byId.get(link.canonicalId) : undefined;
        if (canonical && link && link.status !== 'proposed') mine.add(canonical.seq);
        out.push({
          card: view(c.card),
          status: link?.status ?? 'unlinked',
          canonical: canonical ? { id: canonical.id, seq: canonical.seq, ...view(canonical.card) } : null,
        });
      }
      const neighbours: PositionView['neighbours'] = [];
      for (const e of graph.allEdges ?? []) {
        if (e.counts.markedWiser === 0) continue;
        if (mine.has(e.to) && !mine.has(e.from)) {
          neighbours.push({ relation: 'yours_wiser', other: { seq: e.from, title: bySeq.get(e.from)?.card.title ?? `value ${e.from}` }, contexts: e.byContext?.map((s) => s.context) ?? e.contexts, yes: e.counts.markedWiser, against: e.counts.markedNotWiser + e.counts.markedLessWise, unsure: e.counts.markedUnsure });
        } else if (mine.has(e.from) && !mine.has(e.to)) {
          neighbours.push({ relation: 'other_wiser', other: { seq: e.to, title: bySeq.get(e.to)?.card.title ?? `value ${e.to}` }, contexts: e.byContext?.map((s) => s.context) ?? e.contexts, yes: e.counts.markedWiser, against: e.counts.markedNotWiser + e.counts.markedLessWise, unsure: e.counts.markedUnsure });
        }
      }
      const gv = graphView(graph, data.canonical, { show: 'all', mine });
      const ranks = gv.ranking.values.filter((v) => mine.has(v.id)).map((v) => v.rank);
      return { cards: out, neighbours, rank: ranks.length ? Math.min(...ranks) : null, rankedValues: gv.ranking.values.length, graph: gv };
    },
  };
  return participant;
}
