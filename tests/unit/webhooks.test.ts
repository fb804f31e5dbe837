/** The pure parts of webhook delivery: the retry schedule, Retry-After, which addresses are public, subscriptions. */
import { describe, expect, it } from 'vitest';
import { matchingEventTypes, WEBHOOK_SUBSCRIPTIONS } from '../../backend/src/contracts/webhooks.js';
import { isPublicAddress, retryAfterSeconds } from '../../backend/src/modules/webhooks/outbound.js';
import { retryDelayMs } from '../../backend/src/modules/webhooks/schedule.js';

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe('the retry schedule', () => {
  it('waits each step of the schedule within ±20 %, and gives up after the last', () => {
    expect(retryDelayMs(SCHEDULE, 1, null, () => 0)).toBe(4000);
    expect(retryDelayMs(SCHEDULE, 1, null, () => 1)).toBe(6000);
    expect(retryDelayMs(SCHEDULE, 7, null, () => 0.5)).toBe(36_000_000);
    expect(retryDelayMs(SCHEDULE, 8, null)).toBeNull();
  });

  it('honours Retry-After up to the longest wait of the schedule', () => {
    expect(retryDelayMs(SCHEDULE, 1, 120, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(SCHEDULE, 1, 10 * 86400, () => 0.5)).toBe(36_000_000);
    expect(retryAfterSeconds('17')).toBe(17);
    expect(retryAfterSeconds(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThanOrEqual(29);
    expect(retryAfterSeconds('soon')).toBeNull();
  });
});

describe('outbound destinations', () => {
  it('counts only public unicast addresses as public', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '224.0.0.1', 'nonsense']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
});

describe('subscriptions', () => {
  it('offers every event of the contract and a wildcard per domain of several', () => {
    expect(WEBHOOK_SUBSCRIPTIONS).toEqual(expect.arrayContaining(['booking:created', 'booking:cancelled', 'occupancy', 'slots:changed', 'workout:*', 'booking:*']));
    expect(matchingEventTypes(['workout:*', 'occupancy'])).toEqual(['occupancy', 'workout:started', 'workout:completed']);
    expect(matchingEventTypes(['nothing'])).toEqual([]);
  });
});
