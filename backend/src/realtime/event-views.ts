/**
 * Shapes a stored event for its recipients. Staff (owner, trainer) and the person an event is about get
 * the full payload; everybody else (other members, wall displays) gets a view built from an allow-list of
 * the contract's fields (docs/realtime.md), so a field added to a payload later never leaks another
 * member's identity by default. API keys get only the events their scopes cover (KEY_VIEWS).
 */
import type { ApiScope } from '../contracts/api-scopes.js';
import type { EventType, ServerEvent, SocketData, StoredEvent } from '../contracts/events.js';

const BOOKING_FIELDS = ['id', 'area_id', 'date', 'start_time', 'duration', 'status'] as const;

/** The fields of each event type that anybody in the tenant may see. */
const PUBLIC_FIELDS: { [K in EventType]: readonly string[] } = {
  occupancy: ['area_id', 'current_users', 'capacity'],
  'booking:created': ['booking'],
  'booking:cancelled': ['booking'],
  'slots:changed': ['area_id', 'date'],
  'workout:started': ['area_id', 'session_id'],
  'workout:completed': ['area_id', 'session_id'],
  'areas:changed': ['area_id', 'change'],
  'waitlist:offered': [],
  'waitlist:changed': ['area_id', 'date'],
};

/** Events that only their subject receives (not staff, not displays): an offer is one person's. */
const PRIVATE_TYPES: ReadonlySet<EventType> = new Set(['waitlist:offered']);
export const isPrivate = (event: StoredEvent): boolean => PRIVATE_TYPES.has(event.type);

/**
 * Which API-key scopes receive each event type, and as which view: the first scope of the list that a
 * key holds decides; a key holding none of them does not receive the event at all (so a key with only
 * occupancy:read gets no booking events and no identity). A new event type must say who gets it.
 */
export const KEY_VIEWS: { [K in EventType]: ReadonlyArray<readonly [ApiScope, 'full' | 'public']> } = {
  occupancy: [['occupancy:read', 'public']],
  'slots:changed': [['occupancy:read', 'public']],
  'areas:changed': [['occupancy:read', 'public']],
  'booking:created': [['bookings:read', 'full']],
  'booking:cancelled': [['bookings:read', 'full']],
  'workout:started': [['occupancy:read', 'public']],
  'workout:completed': [['occupancy:read', 'public']],
  // An offer is one member's; queue lengths are the slot's occupancy, without names.
  'waitlist:offered': [],
  'waitlist:changed': [['bookings:read', 'full'], ['occupancy:read', 'public']],
};

/** Which view of an event a recipient gets: none, the full one, or the public one. */
export const NO_VIEW = 0;
export const FULL_VIEW = 1;
export const PUBLIC_VIEW = 2;
export type ViewKind = typeof NO_VIEW | typeof FULL_VIEW | typeof PUBLIC_VIEW;

/** What decides who gets which view of an event, worked out once per event rather than per recipient. */
export interface Audience {
  type: EventType;
  private: boolean;
  redacted: boolean;
  subject: string | null;
}

export function audienceOf(event: StoredEvent): Audience {
  return { type: event.type, private: isPrivate(event), redacted: needsRedaction(event), subject: subjectOf(event) };
}

/**
 * The one rule for who sees what: API keys by their scopes, a private event only its subject (everybody
 * else sees a gap in seq, which clients tolerate: docs/realtime.md), the rest by role.
 */
export function viewKind(audience: Audience, recipient: Pick<SocketData, 'apiKey' | 'role' | 'userId'>): ViewKind {
  const { apiKey, role, userId } = recipient;
  if (apiKey) {
    const rule = KEY_VIEWS[audience.type].find(([scope]) => apiKey.scopes.includes(scope));
    return !rule ? NO_VIEW : rule[1] === 'full' ? FULL_VIEW : PUBLIC_VIEW;
  }
  const own = userId !== null && audience.subject === userId;
  if (audience.private) return own ? FULL_VIEW : NO_VIEW;
  if (!audience.redacted || own || role === 'owner' || role === 'trainer') return FULL_VIEW;
  return PUBLIC_VIEW;
}

/** The event in the view of that kind; null for NO_VIEW. */
export function viewOf(event: StoredEvent, kind: ViewKind): ServerEvent | null {
  return kind === NO_VIEW ? null : kind === FULL_VIEW ? fullView(event) : publicView(event);
}

type Loose = Record<string, unknown>;

/** The user an event is about (the booking's or the session's member), if any. */
export function subjectOf(event: StoredEvent): string | null {
  const payload = event.payload as Loose;
  const booking = payload.booking as Loose | undefined;
  const id = booking?.user_id ?? payload.user_id;
  return typeof id === 'string' ? id : null;
}

/** The event as staff and its own subject receive it. */
export function fullView(event: StoredEvent): ServerEvent {
  return { ...(event.payload as object), seq: event.seq, at: event.at } as ServerEvent;
}

/** The event as other members and displays receive it: no identity of anybody. */
export function publicView(event: StoredEvent): ServerEvent {
  const payload = event.payload as Loose;
  const out: Loose = {};
  for (const key of PUBLIC_FIELDS[event.type]) {
    if (!(key in payload)) continue;
    out[key] = key === 'booking' ? pick(payload.booking as Loose, BOOKING_FIELDS) : payload[key];
  }
  return { ...out, seq: event.seq, at: event.at } as ServerEvent;
}

/** Whether the public view differs from the full one (then two broadcasts are needed). */
export function needsRedaction(event: StoredEvent): boolean {
  const payload = event.payload as Loose;
  const allowed = PUBLIC_FIELDS[event.type];
  for (const key of Object.keys(payload)) {
    if (!allowed.includes(key)) return true;
    if (key === 'booking') {
      const booking = payload.booking as Loose | undefined;
      if (Object.keys(booking ?? {}).some((k) => !(BOOKING_FIELDS as readonly string[]).includes(k))) return true;
    }
  }
  return false;
}

function pick(source: Loose | undefined, keys: readonly string[]): Loose {
  const out: Loose = {};
  if (!source) return out;
  for (const key of keys) if (key in source) out[key] = source[key];
  return out;
}
