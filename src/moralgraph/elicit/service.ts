/**
 * The elicitation service: everything the web app does, without HTTP. Participant operations take the
 * authenticated Participant and only ever read or change that participant's own chats, cards and votes;
 * a resource of someone else is reported as not found. Admin operations take deliberation ids.
 *
 * Single process: chat turns, card linking and jobs are serialised in memory (one server per database).
 *
 * The parts: service-core.ts (options, views, card linking, caches), service-admin.ts (admin
 * operations), service-participant.ts (participant operations).
 */
import { adminOperations } from './service-admin.ts';
import { createServiceCore, type ElicitServiceOptions } from './service-core.ts';
import { participantOperations } from './service-participant.ts';

export {
  CONFIRM_TEXT,
  MAX_MESSAGE_CHARS,
  hashToken,
  newToken,
  type CardView,
  type ChatEvent,
  type ChatView,
  type ElicitServiceOptions,
  type ParticipantOverview,
  type PublicError,
  type PositionView,
  type ValueDraw,
  type VoteQuestion,
} from './service-core.ts';

export function createElicitService(options: ElicitServiceOptions) {
  const core = createServiceCore(options);
  const { repos, background } = core;
  return {
    repos,
    admin: adminOperations(core),
    participant: participantOperations(core),
    /** What a participant may be told about a failure (see service-core.ts). */
    publicError: core.publicError,
    /** Resolves when every background job has finished (for tests and shutdown). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

export type ElicitService = ReturnType<typeof createElicitService>;
