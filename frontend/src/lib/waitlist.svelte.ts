/**
 * The signed-in member's waitlist entries and open offers, for the offer banner (in the app shell, so
 * an offer shows wherever the member is), the slot grid and the bookings page. Re-read after every
 * (re)connect and whenever an offer arrives or a line of theirs changes; the server's answer decides.
 */
import type { BookingCreated } from '$contracts/bookings.js';
import type { WaitlistEntry } from '$contracts/waitlist.js';
import { api } from './api.js';
import { gym } from './live.svelte.js';

class Waitlist {
  entries = $state<WaitlistEntry[]>([]);
  /** Ticks every second while an offer is open, for the countdowns. */
  now = $state(Date.now());
  private timer: ReturnType<typeof setInterval> | null = null;
  private stops: Array<() => void> = [];

  readonly offers = $derived(this.entries.filter((e) => e.status === 'offered' && e.hold_until && Date.parse(e.hold_until) > this.now));
  readonly open = $derived(this.entries.filter((e) => e.status === 'waiting' || e.status === 'offered'));

  /** Follows the live connection; returns the stop function. */
  follow(): () => void {
    this.stops = [
      gym.on('waitlist:offered', () => void this.load()),
      // Someone else's change of a line moves our place in it.
      gym.on('waitlist:changed', (e) => this.open.some((w) => w.area_id === e.area_id && w.date === e.date) && void this.load()),
    ];
    return () => {
      this.stops.forEach((s) => s());
      this.tick(false);
    };
  }

  async load(): Promise<void> {
    try {
      this.entries = await api.get<WaitlistEntry[]>('/api/waitlist');
    } catch {
      /* the banner shows again at the next event or reconnect */
    }
    this.tick(this.entries.some((e) => e.status === 'offered'));
  }

  async join(body: { room_id: string; date: string; time: string; duration: number }): Promise<WaitlistEntry> {
    const entry = await api.post<WaitlistEntry>('/api/waitlist', body, { idempotent: true });
    await this.load();
    return entry;
  }

  async accept(id: string): Promise<BookingCreated> {
    try {
      return await api.post<BookingCreated>(`/api/waitlist/${id}/accept`, {});
    } finally {
      await this.load();
    }
  }

  async decline(id: string): Promise<void> {
    try {
      await api.post(`/api/waitlist/${id}/decline`, {});
    } finally {
      await this.load();
    }
  }

  async leave(id: string): Promise<void> {
    try {
      await api.delete(`/api/waitlist/${id}`);
    } finally {
      await this.load();
    }
  }

  private tick(on: boolean): void {
    if (on && !this.timer) this.timer = setInterval(() => (this.now = Date.now()), 1000);
    if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

export const waitlist = new Waitlist();
