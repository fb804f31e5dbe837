/** The signed-in member's own data: bookings and stats, shared by the home, bookings and workouts pages. */
import { api } from './api.js';
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
  return api.get<Booking[]>('/api/user-bookings');
}

export function myStats(): Promise<MemberStats> {
  return api.get<MemberStats>('/api/me/stats');
}

/** Today's local date in the browser ('YYYY-MM-DD'); the server decides the tenant's own day. */
export function localToday(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function isUpcoming(b: Booking, today = localToday()): boolean {
  return b.status === 'confirmed' && bookingDate(b) >= today;
}
