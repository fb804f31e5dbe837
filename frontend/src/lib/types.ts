/** Shapes of the API's `data`, as SPEC sections 2-3 describe them. */
import type { Locale } from '$contracts/i18n.js';

export type Role = 'member' | 'trainer' | 'owner' | 'display' | 'platform_admin';

export interface User {
  id: string;
  username: string;
  role: Role;
  tenant_id: string | null;
  locale?: Locale | null;
  email?: string | null;
  full_name?: string | null;
}

export type { AreaStatus, GymStatus } from '$contracts/gym-status.js';

export interface Area {
  id: string;
  name_en: string;
  name_el: string;
  capacity: number;
  current_users?: number;
  is_bookable: boolean;
  booking_capacity: number;
  slot_minutes: number;
  /** Decimal; the gym's currency is `currency`. */
  price_per_hour: number;
  currency?: string;
}

export interface Slot {
  start: string;
  end: string;
  starts_at?: string;
  ends_at?: string;
  remaining: number;
  available: boolean;
}

export interface SlotList {
  area_id: string;
  date: string;
  timezone?: string;
  slot_minutes: number;
  booking_capacity?: number;
  price_per_hour?: number;
  currency?: string;
  slots: Slot[];
}

export type BookingStatus = 'confirmed' | 'cancelled' | 'completed' | 'no_show';

export interface Booking {
  id: string;
  user_id?: string;
  username?: string | null;
  gym_area_id?: string;
  area_id?: string;
  booking_date?: string;
  date?: string;
  start_time: string;
  duration: number;
  price?: number | null;
  currency?: string;
  status: BookingStatus;
  area_name_en?: string;
  area_name_el?: string;
  full_name?: string | null;
  trainer?: string | null;
  created_at?: string;
  cancelled_at?: string | null;
}

export interface Exercise {
  name_en: string;
  name_el: string;
  sets: number;
  reps?: number;
  seconds?: number;
}

export type Difficulty = 'beginner' | 'intermediate' | 'advanced';

export interface Program {
  id: string;
  name_en: string;
  name_el: string;
  difficulty: Difficulty;
  exercises: Exercise[];
  est_minutes: number;
  kcal_per_hour: number;
}

export interface WorkoutSession {
  id: string;
  program_id: string;
  gym_area_id?: string | null;
  area_id?: string | null;
  start_time: string;
  end_time?: string | null;
  calories?: number | null;
  duration_minutes?: number | null;
  status: 'active' | 'completed' | 'abandoned';
}

export interface Member {
  id: string;
  username: string;
  role: Role;
  email?: string | null;
  full_name?: string | null;
  member_id?: string | null;
  locale?: Locale | null;
  active: boolean;
  created_at?: string;
}

export interface OpeningDay {
  open: string;
  close: string;
}

export interface TenantSettings {
  locale: Locale;
  timezone: string;
  currency: string;
  opening_hours: Record<string, OpeningDay | null>;
}

export interface Tenant {
  id: string;
  name: string;
  subdomain: string;
  subscription_plan?: string;
  subscription_status?: string;
  settings: TenantSettings;
}

export interface DisplayToken {
  id: string;
  name?: string | null;
  label?: string | null;
  token?: string;
  created_at?: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface MemberStats {
  workouts_completed: number;
  total_minutes: number;
  total_calories: number;
  current_streak: number;
  last_workout_date?: string | null;
}

/** A gym as the platform admin sees it: subscription and counts, never its people. */
export interface PlatformTenant {
  id: string;
  name: string;
  subdomain: string;
  subscription_plan: 'trial' | 'basic' | 'pro' | 'enterprise';
  subscription_status: 'trialing' | 'active' | 'past_due' | 'canceled' | 'suspended';
  trial_ends_at: string | null;
  timezone: string;
  counts: { members: number; areas: number; bookings: number; bookings_this_month: number; people_in: number };
}
