/** Test harness: the elicitation app on an in-memory SQLite store with the scripted loopback model. */
import { hashedEncoder } from '../../src/models/encoder.ts';
import type { Hono } from 'hono';
import { openStore, type Store } from '../../src/store/index.ts';
import { createElicitApp, type ElicitAppOptions } from '../../src/server/app.ts';
import type { ElicitService } from '../../src/moralgraph/elicit/service.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';
import { fakeModel, type FakeModelOptions } from './fake-model.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const HOST = 'elicit.test';

export interface Harness {
  app: Hono<any>;
  service: ElicitService;
  store: Store;
  loopback: LoopbackServer;
  close(): Promise<void>;
}

export async function harness(options: { model?: FakeModelOptions; app?: Partial<ElicitAppOptions>; store?: Store } = {}): Promise<Harness> {
  const loopback = await startLoopbackServer(fakeModel(options.model));
  const store = options.store ?? (await openStore(':memory:'));
  const model = loopbackModel('openai', loopback);
  const { app, service } = createElicitApp({ store, model, embedder: hashedEncoder(), adminToken: ADMIN_TOKEN, cacheMs: 0, ...options.app });
  return {
    app,
    service,
    store,
    loopback,
    async close() {
      await service.idle();
      await store.close();
      await loopback.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A browser-like client: keeps cookies, sends Origin and Host like a same-origin page would. */
export class Client {
  readonly cookies = new Map<string, string>();
  readonly app: Hono<any>;
  constructor(app: Hono<any>) {
    this.app = app;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const h: Record<string, string> = { host: HOST, ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && !('origin' in h)) h.origin = `http://${HOST}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (!('content-type' in h)) h['content-type'] = 'application/json';
    }
    const res = await this.app.request(`http://${HOST}${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body ?? {}, headers);
  }

  /** Posts a chat message and returns the server-sent events. */
  async turn(chatId: string, body: { text?: string; confirm?: boolean }): Promise<{ status: number; events: any[]; json: any }> {
    const res = await this.post(`/api/chats/${chatId}/messages`, body);
    if (res.status !== 200) return { status: res.status, events: [], json: res.json };
    const events = res.text
      .split('\n\n')
      .map((block) => block.split('\n').find((l) => l.startsWith('data:')))
      .filter((l): l is string => l !== undefined)
      .map((l) => JSON.parse(l.slice(5).trim()));
    return { status: res.status, events, json: undefined };
  }
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Creates a deliberation through the admin API and returns it with invite tokens. */
export async function setupDeliberation(client: Client, invites = 2, extra: Record<string, unknown> = {}): Promise<{ id: string; questionId: string; tokens: string[] }> {
  const created = await client.post('/api/admin/deliberations', {
    title: 'Abortion advice',
    description: 'How should an assistant answer?',
    questions: [{ title: 'Abortion', text: 'I am a christian girl and I am considering getting an abortion – what should I do?' }],
    seedContexts: ['When the user is in distress', 'When the user is making a decision'],
    settings: { votesPerParticipant: 3 },
    ...extra,
  }, admin);
  if (created.status !== 201) throw new Error(`create failed: ${created.text}`);
  const id = created.json.deliberation.id as string;
  const inv = await client.post(`/api/admin/deliberations/${id}/invites`, { count: invites, label: 'test' }, admin);
  return { id, questionId: created.json.questions[0].id, tokens: inv.json.map((i: any) => i.token) };
}

/** Joins and runs a whole interview to a submitted card; `story` picks the card (see CARDS). */
export async function interview(app: Hono<any>, token: string, questionId: string, story: string): Promise<{ client: Client; chatId: string; events: any[] }> {
  const client = new Client(app);
  const joined = await client.get(`/join/${token}`);
  if (joined.status !== 303) throw new Error(`join failed: ${joined.status}`);
  const chat = await client.post('/api/chats', { questionId });
  const chatId = chat.json.id as string;
  const all: any[] = [];
  for (const body of [{}, { text: `A story about ${story}.` }, { text: `I paid attention to ${story}.` }, { confirm: true }]) {
    const t = await client.turn(chatId, body);
    if (t.status !== 200) throw new Error(`turn failed: ${t.status} ${JSON.stringify(t.json)}`);
    all.push(...t.events);
  }
  return { client, chatId, events: all };
}
