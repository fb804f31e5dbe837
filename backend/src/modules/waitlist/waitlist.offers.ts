/**
 * Offers from the waitlists (db/migrations/*_waitlists.ts does the work under the slot's lock): when a
 * place frees, the first in line gets it held (or booked, with the gym's auto-book rule), and the
 * events say so, in the same transaction as the change that freed it.
 */
import type { TenantScope } from '../../db/unit-of-work.js';
import type { BookingRules } from '../../contracts/booking-rules.js';
import { bookingEventView, bookingView, type BookingRow } from '../bookings/booking-view.js';
import { rulesParameter } from '../bookings/booking-rules.js';

/** One offer as the database functions answer it. */
export interface OfferRow {
  entry_id: string;
  user_id: string;
  auto_booked: boolean;
  hold_until?: string;
  booking: BookingRow;
}

/** Records the events of offers made and of the lines that changed (the area's days in `changed` too). */
export function recordOffers(scope: TenantScope, offers: readonly OfferRow[], changed: ReadonlyArray<{ area_id: string; date: string }> = []): void {
  const days = new Map(changed.map((d) => [`${d.area_id}/${d.date}`, d]));
  for (const offer of offers) {
    const b = offer.booking;
    if (offer.auto_booked) {
      // The currency is not part of the event view, so none is looked up for it.
      scope.record('booking:created', { booking: bookingEventView(bookingView(b, '')) });
    } else {
      scope.record('waitlist:offered', {
        entry_id: offer.entry_id, area_id: b.gym_area_id, date: b.booking_date, start_time: b.start_time.slice(0, 5),
        duration: b.duration, hold_until: new Date(offer.hold_until!).toISOString(), user_id: offer.user_id,
      });
    }
    days.set(`${b.gym_area_id}/${b.booking_date}`, { area_id: b.gym_area_id, date: b.booking_date });
  }
  for (const day of days.values()) {
    scope.record('waitlist:changed', day);
    // Holds take places and released ones give them back: the grid's counts change either way.
    scope.record('slots:changed', day);
  }
}

/** Offers the places freed in [from, to) of an area to every line they overlap (none when it is empty). */
export async function offerFreedPlaces(
  scope: TenantScope, rules: BookingRules, now: Date, freed: { areaId: string; from: Date; to: Date },
): Promise<OfferRow[]> {
  // A booking closed after its end frees nothing, and [now, end) would not be a range at all.
  if (freed.to <= freed.from) return [];
  const { rows } = await scope.trx.raw<{ rows: Array<{ offers: OfferRow[] }> }>('select offer_freed(?, ?, ?, ?, ?) as offers', [
    freed.areaId, freed.from, freed.to, now, rulesParameter(rules),
  ]);
  const offers = rows[0]!.offers;
  recordOffers(scope, offers);
  return offers;
}

/** What release_offer() answers: the entry it closed (null when it was not open), and the offers made on. */
export interface Released {
  entry: { id: string; gym_area_id: string; booking_date: string; user_id: string; status: string } | null;
  current?: { status: string } | null;
  offers: OfferRow[];
}

/** Closes an entry (declined, expired or left), frees its hold and offers the place to the next in line. */
export async function releaseOffer(
  scope: TenantScope, rules: BookingRules, now: Date, entryId: string, userId: string | null, status: 'declined' | 'expired' | 'left',
): Promise<Released> {
  const { rows } = await scope.trx.raw<{ rows: Array<{ released: Released }> }>('select release_offer(?, ?, ?, ?, ?) as released', [
    entryId, userId, status, now, rulesParameter(rules),
  ]);
  const released = rows[0]!.released;
  const changed = released.entry ? [{ area_id: released.entry.gym_area_id, date: released.entry.booking_date }] : [];
  recordOffers(scope, released.offers, changed);
  return released;
}
