import { describe, expect, it } from 'vitest';
import { addDays, buildSlotGrid, hoursOn, isValidDate, localDate, pickSlots } from '../../backend/src/modules/slots/slot-grid.js';

const ALL_WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { open: '00:00', close: '24:00' }]));
const ATHENS = 'Europe/Athens';

describe('the slot grid', () => {
  it('lays out whole slots from opening to closing in local time', () => {
    const grid = buildSlotGrid({ date: '2027-06-02', zone: ATHENS, hours: { wed: { open: '06:00', close: '08:30' } }, slotMinutes: 45 });
    expect(grid.map((s) => `${s.start}-${s.end}`)).toEqual(['06:00-06:45', '06:45-07:30', '07:30-08:15']);
    // Summer time in Athens is UTC+3.
    expect(grid[0]!.startsAt.toISOString()).toBe('2027-06-02T03:00:00.000Z');
  });

  it('has no slots on a day without opening hours', () => {
    expect(buildSlotGrid({ date: '2027-06-06', zone: ATHENS, hours: { wed: { open: '06:00', close: '08:00' } }, slotMinutes: 60 })).toEqual([]);
  });

  it('is open all day when neither the area nor the tenant gives hours', () => {
    const grid = buildSlotGrid({ date: '2027-06-02', zone: ATHENS, hours: null, slotMinutes: 60 });
    expect(grid).toHaveLength(24);
    expect(grid.at(-1)).toMatchObject({ start: '23:00', end: '24:00' });
  });

  it('skips the missing hour on the spring-forward day and keeps every slot one real hour long', () => {
    // 2027-03-28: Athens moves from 03:00 +02 to 04:00 +03.
    const grid = buildSlotGrid({ date: '2027-03-28', zone: ATHENS, hours: ALL_WEEK, slotMinutes: 60 });
    expect(grid).toHaveLength(23);
    expect(grid.slice(0, 5).map((s) => `${s.start}-${s.end}`)).toEqual(['00:00-01:00', '01:00-02:00', '02:00-04:00', '04:00-05:00', '05:00-06:00']);
    expect(grid[2]!.startsAt.toISOString()).toBe('2027-03-28T00:00:00.000Z');
    expect(grid[3]!.startsAt.toISOString()).toBe('2027-03-28T01:00:00.000Z');
    for (const s of grid) expect(s.endsAt.getTime() - s.startsAt.getTime()).toBe(3600_000);
    expect(grid[0]!.startsAt.toISOString()).toBe('2027-03-27T22:00:00.000Z');
    expect(grid.at(-1)!.endsAt.toISOString()).toBe('2027-03-28T21:00:00.000Z');
  });

  it('shows the repeated hour twice on the fall-back day, each slot one real hour long', () => {
    // 2027-10-31: Athens moves from 04:00 +03 back to 03:00 +02.
    const grid = buildSlotGrid({ date: '2027-10-31', zone: ATHENS, hours: ALL_WEEK, slotMinutes: 60 });
    expect(grid).toHaveLength(25);
    expect(grid.slice(2, 6).map((s) => s.start)).toEqual(['02:00', '03:00', '03:00', '04:00']);
    expect(grid[3]!.startsAt.toISOString()).toBe('2027-10-31T00:00:00.000Z');
    expect(grid[4]!.startsAt.toISOString()).toBe('2027-10-31T01:00:00.000Z');
    for (let i = 1; i < grid.length; i++) expect(grid[i]!.startsAt.getTime()).toBe(grid[i - 1]!.endsAt.getTime());
  });

  it('opens at the first existing instant when the opening time falls in the spring-forward gap', () => {
    const grid = buildSlotGrid({ date: '2027-03-28', zone: ATHENS, hours: { sun: { open: '03:30', close: '06:00' } }, slotMinutes: 30 });
    expect(grid.map((s) => s.start)).toEqual(['04:30', '05:00', '05:30']);
  });

  it('uses the tenant zone, not the server zone', () => {
    const grid = buildSlotGrid({ date: '2027-01-05', zone: 'America/New_York', hours: null, slotMinutes: 120 });
    expect(grid[0]!.startsAt.toISOString()).toBe('2027-01-05T05:00:00.000Z');
  });
});

describe('picking a booking interval from the grid', () => {
  const grid = buildSlotGrid({ date: '2027-06-02', zone: ATHENS, hours: { wed: { open: '06:00', close: '09:00' } }, slotMinutes: 60 });

  it('starts on a slot and lasts the given minutes', () => {
    expect(pickSlots(grid, '07:00', 120)).toMatchObject({ ok: true, startsAt: new Date('2027-06-02T04:00:00Z'), endsAt: new Date('2027-06-02T06:00:00Z') });
    expect(pickSlots(grid, '07:00', 45)).toMatchObject({ ok: true, endsAt: new Date('2027-06-02T04:45:00Z') });
  });

  it('refuses a time off the grid, outside the hours, and a booking that runs past closing', () => {
    expect(pickSlots(grid, '07:30', 60)).toEqual({ ok: false, reason: 'off_grid' });
    expect(pickSlots(grid, '05:00', 60)).toEqual({ ok: false, reason: 'closed' });
    expect(pickSlots(grid, '08:00', 61)).toEqual({ ok: false, reason: 'past_closing' });
    expect(pickSlots([], '08:00', 60)).toEqual({ ok: false, reason: 'closed' });
  });

  it('means the first occurrence of a repeated clock time on the fall-back day', () => {
    const fall = buildSlotGrid({ date: '2027-10-31', zone: ATHENS, hours: ALL_WEEK, slotMinutes: 60 });
    const pick = pickSlots(fall, '03:00', 60);
    expect(pick).toMatchObject({ ok: true, startsAt: new Date('2027-10-31T00:00:00Z') });
  });
});

describe('dates', () => {
  it('knows real dates, local today and weekday hours', () => {
    expect(isValidDate('2026-02-30')).toBe(false);
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(localDate(new Date('2026-11-25T22:30:00Z'), ATHENS)).toBe('2026-11-26');
    expect(addDays('2027-03-27', 1)).toBe('2027-03-28');
    expect(hoursOn({ mon: null }, '2027-06-07')).toBeNull();
  });
});
