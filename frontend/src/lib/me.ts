/** The signed-in member's own data: bookings and stats, shared by the home, bookings and workouts pages. */
import { api } from './api.js';
import { session } from './session.svelte.js';
import type { Booking, MemberStats } from './types.js';

export function bookingDate(b: Booking): string {
  return (b.booking_date ?? b.date ?? '').slice(0, 10);
}
export function bookingArea(b: Booking): string {
  return b.gym_area_id ?? b.area_id ?? '';
}
export function bookingStart(b: Booking): string {
  return (b.start_time ?? '').slice(0, 5);
}

/** 'HH:MM' plus minutes, as 'HH:MM'. */
export function addMinutes(time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number);
  const total = (h ?? 0) * 60 + (m ?? 0) + minutes;
  const hh = Math.floor(total / 60);
  return `${String(hh).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function myBookings(): Promise<Booking[]> {
  return api.list<Booking>('/api/user-bookings', { query: { limit: 100 } }, 3);
}

export function myStats(): Promise<MemberStats> {
  return api.get<MemberStats>('/api/user-stats');
}

/** The area's name as the booking carries it, else as the live list knows it. */
export function bookingAreaName(b: Booking, fallback?: { name_en: string; name_el: string }): { name_en: string; name_el: string } | undefined {
  if (b.area_name_en || b.area_name_el) return { name_en: b.area_name_en ?? '', name_el: b.area_name_el ?? '' };
  return fallback;
}

/** Today ('YYYY-MM-DD') in the gym's time zone: bookings and slots are in the tenant's local time. */
export function localToday(timeZone?: string | null): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }
}

export function isUpcoming(b: Booking, today = localToday(session.timezone)): boolean {
  return b.status === 'confirmed' && bookingDate(b) >= today;
}
