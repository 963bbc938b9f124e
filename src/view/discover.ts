/** The Discover page's data: a discover run's stored result and the conversations behind its values. */
import { loadDiscoverResult } from '../discover/run.ts';
import { TenetError } from '../errors.ts';
import type { Store } from '../store/index.ts';
import type { ConversationView, DiscoverView } from './api.ts';

export async function discoverView(store: Store, runId: string): Promise<DiscoverView> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in this store`);
  const loaded = await loadDiscoverResult(store, runId);
  return { result: loaded ? (loaded.result as unknown as NonNullable<DiscoverView['result']>) : null };
}

export async function discoverConversation(store: Store, runId: string, conversationId: string): Promise<ConversationView> {
  const loaded = await loadDiscoverResult(store, runId);
  const c = loaded?.conversations.get(conversationId);
  if (!c) throw new TenetError('NOT_FOUND', `no conversation ${conversationId} in run ${runId}`);
  return { id: c.id, messages: c.messages, meta: c.meta ?? {} };
}
