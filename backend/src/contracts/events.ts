/**
 * The real-time contract (docs/realtime.md), shared by the server and the frontend. Every server event is
 * one entry of the tenant's durable event log and carries its `seq` (+1 per tenant) and `at` (ISO time).
 * The shapes come from event-schemas.ts, imported for their types only: the web app's socket code,
 * which needs this file at run time, loads no zod for it.
 */
import type { z } from 'zod';
import type { ApiScope } from './api-scopes.js';
import type { bookingEventViewSchema, eventMetaSchema, eventPayloadSchemas, resumeAckSchema } from './event-schemas.js';

/** A booking as it travels in events; `user_id` reaches only staff and the booking's own user. */
export type BookingEventView = z.infer<typeof bookingEventViewSchema>;

export type EventPayloads = { [K in keyof typeof eventPayloadSchemas]: z.infer<(typeof eventPayloadSchemas)[K]> };

export type EventType = keyof EventPayloads;

/** The fields every event carries. */
export type EventMeta = z.infer<typeof eventMetaSchema>;

export type ServerEvent<T extends EventType = EventType> = EventMeta & EventPayloads[T];

/** One row of the event log, before it is shaped for a recipient. */
export interface StoredEvent<T extends EventType = EventType> {
  tenant_id: string;
  seq: number;
  type: T;
  payload: EventPayloads[T];
  at: string;
}

export type ServerToClientEvents = {
  [K in EventType]: (event: ServerEvent<K>) => void;
};

export type ResumeAck = z.infer<typeof resumeAckSchema>;

export interface ClientToServerEvents {
  /** Replays every event with seq > since, in order, before new ones. */
  resume: (args: { since: number }, ack: (answer: ResumeAck) => void) => void;
}

/** What a client sends in the handshake (`io(url + tenantNamespace(id), { auth })`). */
export interface HandshakeAuth {
  /** An access JWT, a display token or an API key; omit it to use the web session cookie. */
  token?: string;
  /** The last seq the client has seen: every later event is replayed, in order, before live ones. */
  since?: number;
}

/** The `message` of a refused handshake (`connect_error`). */
export const CONNECT_ERRORS = {
  /** No credentials, or none that are valid (expired, revoked, malformed). */
  unauthorized: 'unauthorized',
  /** Valid credentials of another tenant, or of a role that has no live view (platform admin). */
  forbidden: 'forbidden',
  /** The server could not check the credentials right now (database down): retry later. */
  unavailable: 'unavailable',
  /** The person (user or display token) already holds SOCKETS_PER_PERSON open sockets: close one, or retry later. */
  tooManyConnections: 'too_many_connections',
  /** The replay asked for in the handshake (`since`) is over the person's replay budget of this minute: retry later. */
  replayLimited: 'replay_limited',
} as const;

/** The `data.code` of a `resume` ack refused because the person's replay budget of this minute is spent. */
export const REPLAY_LIMITED = 'replay_limited';
export type ConnectErrorMessage = (typeof CONNECT_ERRORS)[keyof typeof CONNECT_ERRORS];

/** Events between the servers of a cluster (through the Redis adapter), per tenant namespace. */
export interface InterServerEvents {
  /** Committed events of the namespace's tenant, unredacted, in seq order; every server shapes them for its own sockets. */
  events: (events: StoredEvent[]) => void;
  /** One such event, as nodes of the previous release send them (heard during a rolling deploy). */
  event: (event: StoredEvent) => void;
  /** Events may have been lost between servers (Redis was away): re-read the log from Postgres. */
  resync: () => void;
  /** (Main namespace) someone's access changed: drop what is cached about it and check their sockets again. */
  revocation: (notice: RevocationNotice) => void;
}

/** A committed change of access, announced to every server: a person's, a display token's, an API key's, or a tenant's status. */
export type RevocationNotice =
  | { kind: 'user'; tenantId: string | null; userId: string }
  | { kind: 'display'; tenantId: string }
  | { kind: 'api_key'; tenantId: string; keyId: string }
  | { kind: 'tenant'; tenantId: string };

export type SocketRole = 'member' | 'trainer' | 'owner' | 'display' | 'api_key';

export interface SocketData {
  tenantId: string;
  userId: string | null;
  role: SocketRole;
  /** Seconds since epoch when the credential expires; null for display tokens, sessions and keys without expiry. */
  expiresAt: number | null;
  /** An API key's grant (role `api_key`): the events it receives follow its scopes. */
  apiKey?: { id: string; scopes: readonly ApiScope[]; createdBy: string };
  /** Highest seq this socket has been sent; replay and live events never go backwards. */
  lastSeq: number;
  /** The client's address as the edge saw it at the handshake (the request itself is not kept). */
  address: string;
}

/** The namespace of one tenant. */
export const tenantNamespace = (tenantId: string): string => `/tenant/${tenantId}`;
