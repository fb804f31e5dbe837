/**
 * The session clock (realtime/session-clock.ts): one timer for every socket of a server, ending each at
 * its token's expiry and checking it again about every recheckMs, until it is forgotten.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionClock } from '../../backend/src/realtime/session-clock.js';
import type { TenantSocket } from '../../backend/src/realtime/tenant-stream.js';

const socket = (expiresAt: number | null) => ({ connected: true, data: { expiresAt } }) as unknown as TenantSocket;

describe('session clock', () => {
  beforeEach(() => void vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00.000Z') }));
  afterEach(() => void vi.useRealTimers());

  it('ends a socket once its token expires, not before, and checks the others about every recheckMs', () => {
    const expired: TenantSocket[] = [];
    const rechecked: TenantSocket[] = [];
    const clock = createSessionClock({ recheckMs: 60_000, expired: (s) => expired.push(s), recheck: (s) => rechecked.push(s) });
    const now = Date.now() / 1000;
    const short = socket(now + 10);
    const long = socket(null);
    clock.watch(short);
    clock.watch(long);
    vi.advanceTimersByTime(9_000);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(expired).toEqual([short]);
    // The period is spread over 0.75–1.25 of recheckMs.
    vi.advanceTimersByTime(44_000 - 11_000);
    expect(rechecked).toEqual([]);
    vi.advanceTimersByTime(77_000 - 44_000);
    expect(rechecked).toEqual([long]);
    // And again, the next period later.
    vi.advanceTimersByTime(155_000 - 77_000);
    expect(rechecked).toEqual([long, long]);
    clock.close();
  });

  it('forgets a socket that disconnected, and stops checking one that the check ended', () => {
    const rechecked: TenantSocket[] = [];
    const clock = createSessionClock({ recheckMs: 1_000, expired: () => undefined, recheck: (s) => rechecked.push(s) });
    const gone = socket(null);
    const dropped = socket(null);
    clock.watch(gone);
    clock.watch(dropped);
    clock.forget(gone);
    (dropped as { connected: boolean }).connected = false;
    vi.advanceTimersByTime(1_500);
    expect(rechecked).toEqual([dropped]);
    vi.advanceTimersByTime(5_000);
    expect(rechecked).toEqual([dropped]);
    clock.close();
  });
});
