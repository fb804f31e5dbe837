/**
 * Property-based sequences of book, cancel, check-in and check-out against the real API, and the
 * invariants the database must keep whatever the order: occupancy equals the open visits and stays
 * within capacity, no slot holds more confirmed bookings than booking_capacity, nobody holds two
 * overlapping bookings, and every acknowledged change is in the database.
 */
import fc from 'fast-check';
import type { Config } from '../../../backend/src/config.js';
import type { UnitOfWork } from '../../../backend/src/db/unit-of-work.js';
import { athensDay, openArea, people, type Person } from './people.js';
import { raw, type RawAnswer } from './raw-http.js';

export interface ModelContext {
  uow: UnitOfWork;
  jwt: Config['jwt'];
  tenantId: string;
  staffToken: string;
  url(i: number): string;
}

const MEMBERS = 4;
const SLOTS = ['10:00', '11:00', '12:00'];
const CAPACITY = 2;
const BOOKING_CAPACITY = 2;

interface World {
  ctx: ModelContext;
  areaId: string;
  date: string;
  members: Person[];
  calls: number;
}

interface Model {
  inside: Set<number>;
  bookings: Map<string, string>; // `${member}:${slot}` -> booking id
  cancelled: string[];
}

const slotCount = (m: Model, slot: number) => [...m.bookings.keys()].filter((k) => k.endsWith(`:${slot}`)).length;

function call(w: World, method: string, path: string, token: string, json?: unknown): Promise<RawAnswer> {
  return raw(w.ctx.url(w.calls++), { method, path, headers: { authorization: `Bearer ${token}` }, ...(json ? { json } : {}) });
}

/** The invariants, read from the database; returns the violations found. */
export async function invariants(uow: UnitOfWork, tenantId: string, areaId: string): Promise<string[]> {
  return uow.inTenant(tenantId, async ({ trx }) => {
    const problems: string[] = [];
    const area = await trx('gym_areas').where({ id: areaId }).first('current_users', 'capacity', 'booking_capacity');
    const open = Number((await trx('visits').where({ gym_area_id: areaId }).whereNull('checked_out_at').count({ n: '*' }))[0]!.n);
    if (area.current_users !== open) problems.push(`current_users ${area.current_users} but ${open} open visits`);
    if (area.current_users < 0 || area.current_users > area.capacity) problems.push(`current_users ${area.current_users} outside 0..${area.capacity}`);
    const over = await trx('bookings as a')
      .where({ 'a.gym_area_id': areaId, 'a.status': 'confirmed' })
      .select('a.id')
      .select(trx.raw(`(SELECT count(*) FROM bookings b WHERE b.gym_area_id = a.gym_area_id AND b.status = 'confirmed' AND b.period && a.period)::int AS overlapping`));
    for (const row of over) if (row.overlapping > area.booking_capacity) problems.push(`booking ${row.id} overlaps ${row.overlapping} > ${area.booking_capacity}`);
    const doubled = await trx.raw(`SELECT a.id FROM bookings a JOIN bookings b ON a.user_id = b.user_id AND a.id < b.id
      AND a.status = 'confirmed' AND b.status = 'confirmed' AND a.period && b.period`);
    for (const row of doubled.rows) problems.push(`user double-booked (booking ${row.id})`);
    return problems;
  });
}

async function newWorld(ctx: ModelContext, day: number): Promise<World> {
  const area = await openArea(ctx.uow, ctx.tenantId, { capacity: CAPACITY, booking_capacity: BOOKING_CAPACITY });
  return { ctx, areaId: area.id, date: athensDay(day), members: await people(ctx.uow, ctx.jwt, ctx.tenantId, MEMBERS), calls: 0 };
}

type Cmd = fc.AsyncCommand<Model, World>;

function expectAnswer(what: string, a: RawAnswer, status: number, code?: string): void {
  if (a.status !== status || (code && a.json?.data?.code !== code)) {
    throw new Error(`${what}: expected ${status}${code ? ` ${code}` : ''}, got ${a.status} ${a.text.slice(0, 200)}`);
  }
}

class Book implements Cmd {
  constructor(readonly m: number, readonly s: number) {}
  check = () => true;
  async run(model: Model, w: World) {
    const key = `${this.m}:${this.s}`;
    const a = await call(w, 'POST', '/api/book-room', w.members[this.m]!.token, { room_id: w.areaId, date: w.date, time: SLOTS[this.s] });
    if (!model.bookings.has(key) && slotCount(model, this.s) < BOOKING_CAPACITY) {
      expectAnswer(this.toString(), a, 201);
      model.bookings.set(key, a.json.data.booking.id);
    } else expectAnswer(this.toString(), a, 409, 'slot_unavailable');
  }
  toString = () => `book(m${this.m}, ${SLOTS[this.s]})`;
}

class Cancel implements Cmd {
  constructor(readonly m: number, readonly s: number) {}
  check = (model: Readonly<Model>) => model.bookings.has(`${this.m}:${this.s}`) || model.cancelled.length > 0;
  async run(model: Model, w: World) {
    const key = `${this.m}:${this.s}`;
    const id = model.bookings.get(key);
    if (id) {
      const a = await call(w, 'POST', '/api/cancel-booking', w.members[this.m]!.token, { booking_id: id });
      expectAnswer(this.toString(), a, 200);
      model.bookings.delete(key);
      model.cancelled.push(id);
    } else {
      // Cancelling again what is already cancelled (by staff, so ownership is not the reason).
      const a = await call(w, 'POST', '/api/cancel-booking', w.ctx.staffToken, { booking_id: model.cancelled.at(-1) });
      expectAnswer(this.toString(), a, 409, 'conflict');
    }
  }
  toString = () => `cancel(m${this.m}, ${SLOTS[this.s]})`;
}

class CheckIn implements Cmd {
  constructor(readonly m: number) {}
  check = () => true;
  async run(model: Model, w: World) {
    const a = await call(w, 'POST', '/api/visits', w.ctx.staffToken, { user_id: w.members[this.m]!.id, area_id: w.areaId });
    if (model.inside.has(this.m)) expectAnswer(this.toString(), a, 409, 'already_checked_in');
    else if (model.inside.size >= CAPACITY) expectAnswer(this.toString(), a, 409, 'area_full');
    else {
      expectAnswer(this.toString(), a, 201);
      model.inside.add(this.m);
    }
  }
  toString = () => `checkIn(m${this.m})`;
}

class CheckOut implements Cmd {
  constructor(readonly m: number) {}
  check = () => true;
  async run(model: Model, w: World) {
    const a = await call(w, 'POST', '/api/visits/check-out', w.ctx.staffToken, { user_id: w.members[this.m]!.id });
    if (model.inside.has(this.m)) {
      expectAnswer(this.toString(), a, 200);
      model.inside.delete(this.m);
    } else expectAnswer(this.toString(), a, 409, 'not_checked_in');
  }
  toString = () => `checkOut(m${this.m})`;
}

/** An invariant check after every command. */
class Verified implements Cmd {
  constructor(readonly inner: Cmd, readonly violations: string[]) {}
  check = (m: Readonly<Model>) => this.inner.check(m);
  async run(model: Model, w: World) {
    await this.inner.run(model, w);
    const found = await invariants(w.ctx.uow, w.ctx.tenantId, w.areaId);
    this.violations.push(...found.map((v) => `after ${this.inner}: ${v}`));
    if (found.length) throw new Error(found.join('; '));
  }
  toString = () => this.inner.toString();
}

export interface ModelFigures {
  runs: number;
  commands: number;
  violations: string[];
}

/** Sequential model-based runs: each API answer must be the model's, and the invariants hold after each. */
export async function modelRuns(ctx: ModelContext, options: { numRuns: number; maxCommands: number; seed: number }): Promise<ModelFigures> {
  const violations: string[] = [];
  let runs = 0;
  let commands = 0;
  const m = fc.integer({ min: 0, max: MEMBERS - 1 });
  const s = fc.integer({ min: 0, max: SLOTS.length - 1 });
  const cmds = [
    fc.tuple(m, s).map(([a, b]) => new Verified(new Book(a, b), violations)),
    fc.tuple(m, s).map(([a, b]) => new Verified(new Cancel(a, b), violations)),
    m.map((a) => new Verified(new CheckIn(a), violations)),
    m.map((a) => new Verified(new CheckOut(a), violations)),
  ];
  let day = 20;
  await fc.assert(
    fc.asyncProperty(fc.commands(cmds, { maxCommands: options.maxCommands, size: 'max' }), async (seq) => {
      runs++;
      const world = await newWorld(ctx, day++ % 300 + 20);
      await fc.asyncModelRun(() => ({ model: { inside: new Set<number>(), bookings: new Map<string, string>(), cancelled: [] }, real: world }), seq);
      commands += world.calls;
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
  );
  return { runs, commands, violations };
}

/**
 * Concurrent batches: every batch of operations runs at once (over all servers), then the database must
 * agree with the acknowledgements: confirmed bookings = acknowledged books - acknowledged cancels, open
 * visits = acknowledged check-ins - acknowledged check-outs, and the invariants hold.
 */
export async function concurrentRuns(ctx: ModelContext, options: { numRuns: number; batches: number; batchSize: number; seed: number }): Promise<ModelFigures> {
  const violations: string[] = [];
  let runs = 0;
  let commands = 0;
  const op = fc.record({ kind: fc.constantFrom('book', 'cancel', 'in', 'out'), m: fc.integer({ min: 0, max: MEMBERS - 1 }), s: fc.integer({ min: 0, max: SLOTS.length - 1 }) });
  let day = 320;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: options.batchSize }), { minLength: 1, maxLength: options.batches }), async (batches) => {
      runs++;
      const w = await newWorld(ctx, day++ % 300 + 320);
      const confirmed = new Set<string>();
      let open = 0;
      for (const batch of batches) {
        const known = [...confirmed];
        const answers = await Promise.all(batch.map(async ({ kind, m, s }) => {
          const p = w.members[m]!;
          if (kind === 'book') return { kind, a: await call(w, 'POST', '/api/book-room', p.token, { room_id: w.areaId, date: w.date, time: SLOTS[s] }) };
          if (kind === 'cancel') {
            const id = known[(m + s) % Math.max(known.length, 1)];
            return { kind, id, a: id ? await call(w, 'POST', '/api/cancel-booking', ctx.staffToken, { booking_id: id }) : null };
          }
          if (kind === 'in') return { kind, a: await call(w, 'POST', '/api/visits', ctx.staffToken, { user_id: p.id, area_id: w.areaId }) };
          return { kind, a: await call(w, 'POST', '/api/visits/check-out', ctx.staffToken, { user_id: p.id }) };
        }));
        for (const r of answers) {
          if (!r.a) continue;
          commands++;
          if (r.a.status >= 500) violations.push(`${r.kind}: ${r.a.status} ${r.a.text.slice(0, 160)}`);
          if (r.kind === 'book' && r.a.status === 201) confirmed.add(r.a.json.data.booking.id);
          if (r.kind === 'cancel' && r.a.status === 200) confirmed.delete((r as { id: string }).id);
          if (r.kind === 'in' && r.a.status === 201) open++;
          if (r.kind === 'out' && r.a.status === 200) open--;
        }
        const found = await invariants(ctx.uow, ctx.tenantId, w.areaId);
        const db = await ctx.uow.inTenant(ctx.tenantId, async ({ trx }) => ({
          confirmed: (await trx('bookings').where({ gym_area_id: w.areaId, status: 'confirmed' }).pluck('id')) as string[],
          open: Number((await trx('visits').where({ gym_area_id: w.areaId }).whereNull('checked_out_at').count({ n: '*' }))[0]!.n),
        }));
        if (db.open !== open) found.push(`open visits ${db.open}, acknowledged ${open}`);
        if (db.confirmed.length !== confirmed.size || db.confirmed.some((id) => !confirmed.has(id))) {
          found.push(`confirmed bookings ${db.confirmed.length}, acknowledged ${confirmed.size}`);
        }
        violations.push(...found);
        if (found.length) throw new Error(found.join('; '));
      }
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
  );
  return { runs, commands, violations };
}
