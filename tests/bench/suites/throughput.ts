/**
 * Booking throughput through the product's HTTP API: uncontended (every request wants its own room
 * and slot, by the room's own member) and contended (every racer wants the same exclusive slot, round
 * after round), then a check in SQL that no slot and no member is overbooked.
 */
import http from 'node:http';
import { overbookingCheck, plannedBooking, raceSlot, SLOT_MINUTES, type Fixture } from '../lib/fixture.js';
import { runHttpLoad, send, type LoadResult } from '../lib/http-load.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';
import type { Product } from './product.js';

export interface ThroughputResult {
  uncontended: LoadResult & { createdPerSecond: number };
  /** The same load spread over several gyms: each gym's bookings still commit one after another (its event log). */
  manyTenants: LoadResult & { createdPerSecond: number; tenants: number };
  contended: {
    attemptsPerSecond: number;
    rounds: number;
    racers: number;
    winners: number;
    /** Rounds that did not end with exactly one winner. */
    badRounds: number;
    byStatus: Record<string, number>;
    roundMs: Distribution;
  };
  check: { confirmed: number; overbooked: number; doubleBooked: number };
}

const bookingBody = (roomId: string, date: string, time: string) => JSON.stringify({ room_id: roomId, date, time, duration: SLOT_MINUTES });

/**
 * Uncontended bookings for `durationMs`: every request for its own room and slot by that room's member,
 * the `from`-th planned booking on (the caller moves `from` past what was booked before).
 */
export function uncontendedLoad(
  url: string,
  fixture: Fixture,
  tokens: readonly string[],
  options: { concurrency: number; durationMs: number; firstDate: string; from: number; label: string },
): Promise<LoadResult> {
  let j = options.from;
  return runHttpLoad({
    url,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    next: () => {
      const b = plannedBooking(fixture, options.firstDate, j++);
      return { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${tokens[b.memberIndex]}` }, body: bookingBody(b.areaId, b.date, b.time) };
    },
    onProgress: (n, t) => progress(`${options.label}: ${n.toLocaleString('en-US')} bookings in ${(t / 1000).toFixed(1)} s`),
  });
}

export async function bookingThroughput(
  product: Product,
  options: { concurrency: number; racers: number; durationMs: number; firstDate: string; raceFirstDate: string },
): Promise<ThroughputResult> {
  const { fixture } = product;
  const areas = fixture.areaIds.length;
  progress(`bookings: signing in ${areas + options.racers} members`);
  const tokens: string[] = [];
  for (let i = 0; i < areas + options.racers; i += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, areas + options.racers - i) }, (_, k) => product.token(i + k)));
    tokens.push(...batch);
  }

  const uncontended = await uncontendedLoad(product.url, fixture, tokens, { ...options, from: 0, label: 'bookings, uncontended' });

  const gyms = product.tenants;
  progress(`bookings: signing in the members of ${gyms.length} more gyms`);
  const gymTokens: string[][] = [];
  for (const gym of gyms) gymTokens.push(await Promise.all(gym.members.map((m) => product.login(gym.subdomain, m.username))));
  const counters = gyms.map(() => 0);
  const manyTenants = await runHttpLoad({
    url: product.url,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    next: (lane) => {
      const g = lane % gyms.length;
      const b = plannedBooking(gyms[g]!, options.firstDate, counters[g]!++);
      return {
        method: 'POST',
        path: '/api/book-room',
        headers: { authorization: `Bearer ${gymTokens[g]![b.memberIndex]}` },
        body: bookingBody(b.areaId, b.date, b.time),
      };
    },
    onProgress: (n, t) => progress(`bookings over ${gyms.length} gyms: ${n.toLocaleString('en-US')} in ${(t / 1000).toFixed(1)} s`),
  });

  const racerTokens = tokens.slice(areas, areas + options.racers);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.racers });
  const base = new URL(product.url);
  const byStatus: Record<string, number> = {};
  const roundMs: number[] = [];
  let attempts = 0;
  let winners = 0;
  let badRounds = 0;
  let rounds = 0;
  const started = performance.now();
  try {
    while (performance.now() < started + options.durationMs) {
      const slot = raceSlot(options.raceFirstDate, rounds++);
      const body = bookingBody(fixture.raceAreaId, slot.date, slot.time);
      const t = performance.now();
      const answers = await Promise.all(
        racerTokens.map((token) => send(agent, base, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${token}` }, body })),
      );
      roundMs.push(performance.now() - t);
      let won = 0;
      for (const a of answers) {
        byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
        if (a.status === 201) won++;
      }
      attempts += answers.length;
      winners += won;
      if (won !== 1) badRounds++;
      progress(`bookings, ${options.racers} racing for one slot: round ${rounds}, ${winners} won, ${attempts - winners} refused`);
    }
  } finally {
    agent.destroy();
  }
  const attemptsPerSecond = attempts / ((performance.now() - started) / 1000);

  progress('bookings: checking in SQL that nothing is overbooked');
  const check = await overbookingCheck(product.db.url);
  return {
    uncontended: { ...uncontended, createdPerSecond: (uncontended.byStatus['201'] ?? 0) / uncontended.seconds },
    manyTenants: { ...manyTenants, createdPerSecond: (manyTenants.byStatus['201'] ?? 0) / manyTenants.seconds, tenants: gyms.length },
    contended: { attemptsPerSecond, rounds, racers: options.racers, winners, badRounds, byStatus, roundMs: distribution(roundMs) },
    check,
  };
}
