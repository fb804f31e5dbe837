/**
 * A class release: the demo gym's class of `capacity` places opens, its screens (members' phones and
 * tablets, Socket.IO clients with members' tokens) watch, and `members` distinct members press Book on the
 * same slot within about a second. Exactly `capacity` must get 201 and every other 409 slot_unavailable;
 * then every screen must learn that the class is full. A member's screen learns it from the events
 * (docs/realtime.md): the capacity-th `booking:created` of that slot, and the `slots:changed` after it
 * that makes the slot grid refetch and show the slot gone. Both are timed from the last 201 the
 * bookers received (the moment the rush was decided for them), per screen.
 */
import type { ClientFleet } from '../lib/client-fleet.js';
import { overbookingCheck, SLOT_MINUTES } from '../lib/fixture.js';
import { fireRush } from '../lib/rush-load.js';
import { progress } from '../lib/progress.js';
import { distribution, type Distribution } from '../lib/stats.js';
import type { Product } from './product.js';
import pg from 'pg';

export interface RushResult {
  members: number;
  screens: number;
  capacity: number;
  /** From the first POST sent to the last one sent. */
  sendSpreadMs: number;
  created: number;
  refused: number;
  /** Answers other than 201 and 409 slot_unavailable, by `status code`. */
  unexpected: Record<string, number>;
  requestErrors: Record<string, number>;
  answerMs: Distribution;
  /** From the first POST sent to the last answer. */
  decidedInMs: number;
  /** Per screen: the capacity-th booking:created of the slot, and the slots:changed after it, from the last 201. */
  fullEvent: Distribution;
  fullGrid: Distribution;
  /** Screens that did not get the full event (or its slots:changed) within the watch, or saw more bookings. */
  screensMissing: number;
  screensMissingGrid: number;
  screensOverCount: number;
  confirmedInSlot: number;
  check: { confirmed: number; overbooked: number; doubleBooked: number };
  /** The refused then join the slot's waitlist (with the screens closed: the HTTP path alone). */
  waitlist?: { joins: number; joined: number; distinctPositions: number; maxPosition: number; other: Record<string, number>; answerMs: Distribution };
}

export async function classRush(
  product: Product,
  fleet: ClientFleet,
  options: { screens: number; date: string; time: string; spreadMs: number; sourceAddresses: (n: number) => string[] },
): Promise<{ result: RushResult; refusedTokens: string[] }> {
  const rush = product.rush;
  if (!rush) throw new Error('the product was started without the rush class (startProduct({ rush }))');
  const members = rush.members.length;

  // Signed in beforehand: the rush is about booking, not about bcrypt.
  const tokens: string[] = [];
  for (let i = 0; i < members; i += 32) {
    progress(`rush: signing in members ${i.toLocaleString('en-US')}/${members.toLocaleString('en-US')}`);
    tokens.push(...(await Promise.all(rush.members.slice(i, i + 32).map((m) => product.login(product.fixture.subdomain, m.username)))));
  }

  const res = await fleet.connect(
    options.screens,
    { url: product.url, nsp: product.nsp, tokens, sourceAddresses: options.sourceAddresses(Math.ceil(options.screens / 2000) + fleet.size), inFlight: 1024 },
    (c, f) => progress(`rush: connecting screens ${c.toLocaleString('en-US')}/${options.screens.toLocaleString('en-US')}${f ? ` (${f} failed)` : ''}`),
  );
  if (res.failed > options.screens / 100) throw new Error(`rush: ${res.failed} of ${options.screens} screens could not connect: ${JSON.stringify(res.errors)}`);
  const screens = (await fleet.status()).open;

  const { watched } = await fleet.watch({
    nsp: product.nsp, event: 'booking:created', contains: rush.areaId, nth: rush.capacity, then: 'slots:changed', timeoutMs: 60_000,
  });
  const body = JSON.stringify({ room_id: rush.areaId, date: options.date, time: options.time, duration: SLOT_MINUTES });
  const { answers, errors } = await fireRush({
    url: product.url,
    requests: tokens.map((token) => ({ method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${token}` }, body })),
    spreadMs: options.spreadMs,
    connections: members,
    warmPath: '/healthz',
    onProgress: (sent, answered) => progress(`rush: ${sent.toLocaleString('en-US')} Book presses sent, ${answered.toLocaleString('en-US')} answered`),
  });

  const created = answers.filter((a) => a.status === 201).sort((a, b) => a.answeredAt - b.answeredAt);
  const refused = answers.filter((a) => a.status === 409 && a.code === 'slot_unavailable');
  const unexpected: Record<string, number> = {};
  for (const a of answers) {
    if (a.status === 201 || (a.status === 409 && a.code === 'slot_unavailable')) continue;
    const key = `${a.status} ${a.code ?? ''}`.trim();
    unexpected[key] = (unexpected[key] ?? 0) + 1;
  }
  // The rush is decided for the bookers when the last place's 201 arrives.
  const decidedAt = created.length >= rush.capacity ? created[rush.capacity - 1]!.answeredAt : NaN;

  progress(`rush: waiting for ${screens.toLocaleString('en-US')} screens to show the class full`);
  const seen = await watched;
  const full: number[] = [];
  const grid: number[] = [];
  let screensOverCount = 0;
  for (let i = 0; i < seen.nthAt.length; i++) {
    if (seen.nthAt[i]! > 0) full.push(seen.nthAt[i]! - decidedAt);
    if (seen.thenAt[i]! > 0) grid.push(seen.thenAt[i]! - decidedAt);
    if (seen.counts[i]! > rush.capacity) screensOverCount++;
  }

  const owner = new pg.Client({ connectionString: product.db.url });
  await owner.connect();
  const { rows } = await owner.query<{ n: number }>(`select count(*)::int as n from bookings where gym_area_id = $1 and status = 'confirmed'`, [rush.areaId]);
  await owner.end();
  const sentAts = answers.map((a) => a.sentAt);
  const refusedTokens = refused.map((a) => tokens[a.index]!);
  const result: RushResult = {
    members,
    screens,
    capacity: rush.capacity,
    sendSpreadMs: answers.length ? Math.max(...sentAts) - Math.min(...sentAts) : NaN,
    created: created.length,
    refused: refused.length,
    unexpected,
    requestErrors: errors,
    answerMs: distribution(answers.map((a) => a.answeredAt - a.sentAt)),
    decidedInMs: answers.length ? Math.max(...answers.map((a) => a.answeredAt)) - Math.min(...sentAts) : NaN,
    fullEvent: distribution(full),
    fullGrid: distribution(grid),
    screensMissing: seen.nthAt.length - full.length,
    screensMissingGrid: seen.thenAt.length - grid.length,
    screensOverCount,
    confirmedInSlot: rows[0]!.n,
    check: await overbookingCheck(product.db.url),
  };
  return { result, refusedTokens };
}

/** The refused members each POST /api/waitlist for the slot, on the same kind of schedule. */
export async function waitlistJoins(
  product: Product,
  tokens: string[],
  options: { date: string; time: string; spreadMs: number },
): Promise<NonNullable<RushResult['waitlist']>> {
  const body = JSON.stringify({ room_id: product.rush!.areaId, date: options.date, time: options.time, duration: SLOT_MINUTES });
  const { answers, errors } = await fireRush({
    url: product.url,
    requests: tokens.map((token) => ({ method: 'POST', path: '/api/waitlist', headers: { authorization: `Bearer ${token}` }, body })),
    spreadMs: options.spreadMs,
    connections: tokens.length,
    warmPath: '/healthz',
    onProgress: (sent, answered) => progress(`rush: ${sent.toLocaleString('en-US')} waitlist joins sent, ${answered.toLocaleString('en-US')} answered`),
  });
  const joined = answers.filter((a) => a.status === 201);
  const positions = new Set(joined.map((a) => a.position));
  const other: Record<string, number> = { ...errors };
  for (const a of answers) if (a.status !== 201) other[`${a.status} ${a.code ?? ''}`.trim()] = (other[`${a.status} ${a.code ?? ''}`.trim()] ?? 0) + 1;
  return {
    joins: tokens.length,
    joined: joined.length,
    distinctPositions: positions.size,
    maxPosition: Math.max(0, ...joined.map((a) => a.position ?? 0)),
    other,
    answerMs: distribution(answers.map((a) => a.answeredAt - a.sentAt)),
  };
}
