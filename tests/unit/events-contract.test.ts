/**
 * The real-time contract shared by the server and the web app (docs/realtime.md), pinned by types: the
 * event names, their payloads, the resume acknowledgement, and what typed Socket.IO servers and clients
 * accept. `npm test` type-checks this file before running it; the runtime checks pin the constants and
 * show that the check every received event goes through (tests/realtime/helpers.ts) refuses drift.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import {
  CONNECT_ERRORS,
  tenantNamespace,
  type BookingEventView,
  type ClientToServerEvents,
  type EventType,
  type HandshakeAuth,
  type InterServerEvents,
  type ResumeAck,
  type ServerEvent,
  type ServerToClientEvents,
  type SocketData,
  type StoredEvent,
} from '../../backend/src/contracts/events.js';
import { eventProblems } from '../support/contract.js';

type Payload<K extends EventType> = Parameters<ServerToClientEvents[K]>[0];

describe('the real-time contract', () => {
  it('names exactly the events of the contract (plus areas:changed)', () => {
    expectTypeOf<EventType>().toEqualTypeOf<
      | 'occupancy'
      | 'booking:created'
      | 'booking:cancelled'
      | 'slots:changed'
      | 'workout:started'
      | 'workout:completed'
      | 'areas:changed'
      | 'waitlist:offered'
      | 'waitlist:changed'
    >();
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<EventType>();
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<'resume'>();
  });

  it('gives every event its seq and at, and the payload fields of the contract', () => {
    expectTypeOf<Payload<'occupancy'>>().toEqualTypeOf<{ seq: number; at: string } & { area_id: string; current_users: number; capacity: number }>();
    expectTypeOf<Payload<'slots:changed'>>().toMatchTypeOf<{ seq: number; at: string; area_id: string; date: string }>();
    expectTypeOf<Payload<'workout:started'>>().toMatchTypeOf<{ seq: number; at: string; session_id: string }>();
    expectTypeOf<Payload<'workout:completed'>['area_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Payload<'booking:created'>['booking']>().toEqualTypeOf<BookingEventView>();
    expectTypeOf<Payload<'booking:cancelled'>['booking']>().toEqualTypeOf<BookingEventView>();
    expectTypeOf<ServerEvent<'occupancy'>>().toEqualTypeOf<Payload<'occupancy'>>();
  });

  it("carries a booking's user only as an optional field (staff and that user get it)", () => {
    expectTypeOf<BookingEventView>().toMatchTypeOf<{ id: string; area_id: string; date: string; start_time: string; duration: number }>();
    expectTypeOf<BookingEventView['status']>().toEqualTypeOf<'confirmed' | 'held' | 'cancelled' | 'late_cancelled' | 'completed' | 'no_show'>();
    expectTypeOf<BookingEventView['user_id']>().toEqualTypeOf<string | undefined>();
  });

  it('answers resume({since}) with {success, data:{last_seq}}', () => {
    expectTypeOf<Parameters<ClientToServerEvents['resume']>[0]>().toEqualTypeOf<{ since: number }>();
    expectTypeOf<Parameters<ClientToServerEvents['resume']>[1]>().toEqualTypeOf<(answer: ResumeAck) => void>();
    expectTypeOf<{ success: true; data: { last_seq: number } }>().toMatchTypeOf<ResumeAck>();
    expectTypeOf<HandshakeAuth>().toEqualTypeOf<{ token?: string; since?: number }>();
  });

  it('types a Socket.IO server built on it: only known events with their payloads', () => {
    const check = (io: Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>) => {
      const nsp = io.of(tenantNamespace('t'));
      nsp.emit('occupancy', { seq: 1, at: '', area_id: 'a', current_users: 1, capacity: 2 });
      // @ts-expect-error an occupancy event needs its counts
      nsp.emit('occupancy', { seq: 1, at: '', area_id: 'a' });
      // @ts-expect-error no such event in the contract
      nsp.emit('booking:deleted', { seq: 1, at: '' });
      nsp.serverSideEmit('resync');
      nsp.on('event', (event) => expectTypeOf(event).toEqualTypeOf<StoredEvent>());
      nsp.on('connection', (socket) => {
        expectTypeOf(socket.data).toEqualTypeOf<SocketData>();
        socket.on('resume', ({ since }, ack) => {
          expectTypeOf(since).toBeNumber();
          ack({ success: true, data: { last_seq: since } });
        });
      });
    };
    expectTypeOf(check).toBeFunction();
  });

  it('types a socket.io-client socket built on it', () => {
    const check = (socket: Socket<ServerToClientEvents, ClientToServerEvents>) => {
      socket.on('booking:created', (e) => {
        expectTypeOf(e.seq).toBeNumber();
        expectTypeOf(e.booking.start_time).toBeString();
      });
      socket.on('occupancy', (e) => expectTypeOf(e.current_users).toBeNumber());
      socket.emit('resume', { since: 3 }, (answer) => expectTypeOf(answer).toEqualTypeOf<ResumeAck>());
      // @ts-expect-error since is a number
      socket.emit('resume', { since: '3' }, () => undefined);
      // @ts-expect-error clients cannot emit server events
      socket.emit('occupancy', { seq: 1, at: '', area_id: 'a', current_users: 1, capacity: 1 });
    };
    expectTypeOf(check).toBeFunction();
  });

  it('names tenant namespaces and handshake refusals as the contract does', () => {
    expect(tenantNamespace('0b8f3c1e-1111-4222-8333-944455556666')).toBe('/tenant/0b8f3c1e-1111-4222-8333-944455556666');
    expect(CONNECT_ERRORS.unauthorized).toBe('unauthorized');
    expect(CONNECT_ERRORS.forbidden).toBe('forbidden');
    expectTypeOf<SocketData['role']>().toEqualTypeOf<'member' | 'trainer' | 'owner' | 'display' | 'api_key'>();
  });

  it('holds a received event to its schema: nothing more, nothing less, nothing else', () => {
    const area = '0b8f3c1e-1111-4222-8333-944455556666';
    const at = '2027-03-28T16:00:00.000Z';
    const booking = { id: area, area_id: area, date: '2027-03-28', start_time: '18:00', duration: 60, status: 'confirmed' };
    expect(eventProblems('occupancy', { seq: 1, at, area_id: area, current_users: 3, capacity: 10 })).toEqual([]);
    expect(eventProblems('booking:created', { seq: 2, at, booking })).toEqual([]);
    expect(eventProblems('occupancy', { seq: 1, at, area_id: area, current_users: 3, capacity: 10, user_id: area }))
      .toEqual(['user_id: sent, but the schema does not declare it']);
    expect(eventProblems('booking:created', { seq: 2, at, booking: { ...booking, username: 'member' } }))
      .toEqual(['booking.username: sent, but the schema does not declare it']);
    expect(eventProblems('booking:cancelled', { seq: 2, at, booking: { ...booking, status: undefined } })).toHaveLength(1);
    expect(eventProblems('slots:changed', { seq: 0, at: 'yesterday', area_id: area, date: '2027-03-28' })).toHaveLength(2);
    expect(eventProblems('booking:deleted', { seq: 3, at })).toEqual(['booking:deleted is not a declared event']);
  });
});
