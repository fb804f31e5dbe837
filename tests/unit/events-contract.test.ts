/**
 * The real-time contract shared by the server and the web app (SPEC section 4), pinned by types: the
 * event names, their payloads, the resume acknowledgement, and what typed Socket.IO servers and clients
 * accept. `npm test` type-checks this file before running it; the runtime checks pin the constants.
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

type Payload<K extends EventType> = Parameters<ServerToClientEvents[K]>[0];

describe('the real-time contract', () => {
  it('names exactly the events of the SPEC (plus areas:changed)', () => {
    expectTypeOf<EventType>().toEqualTypeOf<
      | 'occupancy'
      | 'booking:created'
      | 'booking:cancelled'
      | 'slots:changed'
      | 'workout:started'
      | 'workout:completed'
      | 'areas:changed'
    >();
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<EventType>();
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<'resume'>();
  });

  it('gives every event its seq and at, and the payload fields of the SPEC', () => {
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
    expectTypeOf<BookingEventView['status']>().toEqualTypeOf<'confirmed' | 'cancelled' | 'completed' | 'no_show'>();
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

  it('names tenant namespaces and handshake refusals as the SPEC does', () => {
    expect(tenantNamespace('0b8f3c1e-1111-4222-8333-944455556666')).toBe('/tenant/0b8f3c1e-1111-4222-8333-944455556666');
    expect(CONNECT_ERRORS.unauthorized).toBe('unauthorized');
    expect(CONNECT_ERRORS.forbidden).toBe('forbidden');
    expectTypeOf<SocketData['role']>().toEqualTypeOf<'member' | 'trainer' | 'owner' | 'display'>();
  });
});
