import { describe, expect, it } from 'vitest';
import { AppError } from '../../backend/src/http/errors.js';
import { requestHash } from '../../backend/src/http/idempotency.js';
import { decodeCursor, encodeCursor } from '../../backend/src/http/paging.js';
import { currentStreak, nextStreak } from '../../backend/src/modules/workouts/workouts.service.js';

describe('paging cursors', () => {
  it('round-trip the sort value and id', () => {
    const id = '6f1c2a52-3b7e-4c1d-9a0e-2b8f4d6c1a90';
    expect(decodeCursor(encodeCursor('2026-11-25 12:00:00.123456+00', id))).toEqual(['2026-11-25 12:00:00.123456+00', id]);
  });

  it('refuse forged cursors with a 400, never a crash', () => {
    for (const bad of ['garbage', encodeCursor('x', 'not-a-uuid'), Buffer.from('[1,2]').toString('base64url'), Buffer.from('{').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(AppError);
      try { decodeCursor(bad); } catch (e) { expect((e as AppError).status).toBe(400); }
    }
  });
});

describe('idempotency request hashes', () => {
  it('ignore key order but see every value, the method and the path', () => {
    const a = requestHash('POST', '/api/book-room', { room_id: 'r', time: '10:00', nested: { b: 1, a: 2 } });
    expect(requestHash('post', '/api/book-room', { nested: { a: 2, b: 1 }, time: '10:00', room_id: 'r' })).toBe(a);
    expect(requestHash('POST', '/api/book-room', { room_id: 'r', time: '11:00', nested: { b: 1, a: 2 } })).not.toBe(a);
    expect(requestHash('POST', '/api/bookings', { room_id: 'r', time: '10:00', nested: { b: 1, a: 2 } })).not.toBe(a);
  });
});

describe('workout streaks', () => {
  it('count consecutive local days', () => {
    expect(nextStreak(null, 0, '2027-01-10')).toBe(1);
    expect(nextStreak('2027-01-09', 4, '2027-01-10')).toBe(5);
    expect(nextStreak('2027-01-10', 5, '2027-01-10')).toBe(5);
    expect(nextStreak('2027-01-07', 5, '2027-01-10')).toBe(1);
    expect(nextStreak('2027-02-28', 2, '2027-03-01')).toBe(3);
  });

  it('are over once a day is missed', () => {
    expect(currentStreak('2027-01-09', 4, '2027-01-10')).toBe(4);
    expect(currentStreak('2027-01-10', 4, '2027-01-10')).toBe(4);
    expect(currentStreak('2027-01-08', 4, '2027-01-10')).toBe(0);
    expect(currentStreak(null, 0, '2027-01-10')).toBe(0);
  });
});
