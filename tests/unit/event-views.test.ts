/**
 * Who gets which view of an event (event-views.ts): the one rule both live fan-out and catch-up follow.
 */
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../backend/src/contracts/events.js';
import { audienceOf, FULL_VIEW, NO_VIEW, PUBLIC_VIEW, publicView, viewKind } from '../../backend/src/realtime/event-views.js';

const alice = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const area = '33333333-3333-4333-8333-333333333333';

const stored = (type: StoredEvent['type'], payload: object): StoredEvent =>
  ({ tenant_id: '44444444-4444-4444-8444-444444444444', seq: 7, type, at: '2026-12-04T10:00:00.000Z', payload }) as StoredEvent;

const booking = stored('booking:created', {
  booking: { id: 'b1', area_id: area, date: '2026-12-05', start_time: '10:00', duration: 60, status: 'confirmed', user_id: alice, user_name: 'Alice' },
});
const slots = stored('slots:changed', { area_id: area, date: '2026-12-05' });
const offer = stored('waitlist:offered', { area_id: area, date: '2026-12-05', user_id: alice, expires_at: '2026-12-04T10:10:00.000Z' });

const person = (role: 'member' | 'trainer' | 'owner' | 'display', userId: string | null) => ({ role, userId, apiKey: undefined });
const key = (...scopes: Array<'bookings:read' | 'occupancy:read'>) => ({ role: 'api_key' as const, userId: null, apiKey: { id: 'k', scopes, createdBy: bob } });

describe('viewKind', () => {
  it('gives a booking in full to staff and its member, and without identity to everybody else', () => {
    const audience = audienceOf(booking);
    expect(viewKind(audience, person('owner', bob))).toBe(FULL_VIEW);
    expect(viewKind(audience, person('trainer', bob))).toBe(FULL_VIEW);
    expect(viewKind(audience, person('member', alice))).toBe(FULL_VIEW);
    expect(viewKind(audience, person('member', bob))).toBe(PUBLIC_VIEW);
    expect(viewKind(audience, person('display', null))).toBe(PUBLIC_VIEW);
    const view = publicView(booking) as { booking: Record<string, unknown> };
    expect(view.booking).not.toHaveProperty('user_id');
    expect(view.booking).not.toHaveProperty('user_name');
  });

  it('gives an event without identity in full to everybody', () => {
    const audience = audienceOf(slots);
    for (const recipient of [person('member', bob), person('display', null), person('owner', bob)]) expect(viewKind(audience, recipient)).toBe(FULL_VIEW);
  });

  it('gives a private event to its subject only, not even to staff', () => {
    const audience = audienceOf(offer);
    expect(viewKind(audience, person('member', alice))).toBe(FULL_VIEW);
    expect(viewKind(audience, person('member', bob))).toBe(NO_VIEW);
    expect(viewKind(audience, person('owner', bob))).toBe(NO_VIEW);
    expect(viewKind(audience, person('display', null))).toBe(NO_VIEW);
    expect(viewKind(audience, key('bookings:read', 'occupancy:read'))).toBe(NO_VIEW);
  });

  it('gives API keys what their scopes cover, the first covering scope deciding the view', () => {
    expect(viewKind(audienceOf(booking), key('bookings:read'))).toBe(FULL_VIEW);
    expect(viewKind(audienceOf(booking), key('occupancy:read'))).toBe(NO_VIEW);
    expect(viewKind(audienceOf(slots), key('occupancy:read'))).toBe(PUBLIC_VIEW);
    expect(viewKind(audienceOf(slots), key('bookings:read'))).toBe(NO_VIEW);
    const queue = audienceOf(stored('waitlist:changed', { area_id: area, date: '2026-12-05', waiting: 2 }));
    expect(viewKind(queue, key('occupancy:read', 'bookings:read'))).toBe(FULL_VIEW);
    expect(viewKind(queue, key('occupancy:read'))).toBe(PUBLIC_VIEW);
  });
});
