/** The signed-in member's own data: bookings and stats, shared by the home, bookings and workouts pages. */
import { api } from './api.js';
import { session } from './session.svelte.js';
import type { BookingDetails } from '$contracts/bookings.js';
import type { UserStats } from '$contracts/workouts.js';

/** 'HH:MM' plus minutes, as 'HH:MM'. */
export function addMinutes(time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number);
  const total = (h ?? 0) * 60 + (m ?? 0) + minutes;
  const hh = Math.floor(total / 60);
  return `${String(hh).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function myBookings(): Promise<BookingDetails[]> {
  return api.list<BookingDetails>('/api/user-bookings', { query: { limit: 100 } }, 3);
}

export function myStats(): Promise<UserStats> {
  return api.get<UserStats>('/api/user-stats');
}

/** The names of a booking's area, as i18n.name takes them. */
export function bookingAreaName(b: BookingDetails): { name_en: string; name_el: string } {
  return { name_en: b.area_name_en, name_el: b.area_name_el };
}

/** Today ('YYYY-MM-DD') in the gym's time zone: bookings and slots are in the tenant's local time. */
export function localToday(timeZone?: string | null): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }
}

export function isUpcoming(b: BookingDetails, today = localToday(session.timezone)): boolean {
  return b.status === 'confirmed' && b.date >= today;
}
