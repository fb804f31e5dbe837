/**
 * The live picture of one gym: every area's occupancy, moved by `occupancy` events and re-read from
 * /api/gym-status after every (re)connect, plus today's samples for the occupancy chart. One per page
 * life; member pages, the admin panel and the wall display all read it.
 */
import type { EventType, ServerEvent } from '$contracts/events.js';
import { api } from './api.js';
import { Listeners } from './listeners.js';
import { LiveSocket, type ConnectionState } from './socket.js';
import type { AreaStatus, GymStatus } from '$contracts/gym-status.js';

export interface Sample {
  /** Seconds since epoch. */
  t: number;
  total: number;
  capacity: number;
}

interface Persisted {
  day: string;
  areas: AreaStatus[];
  samples: Sample[];
  lastSeq: number | null;
  updatedAt: number | null;
}

export interface LiveOptions {
  tenantId: string;
  token?: string | null;
  /** Keep the last known state across reloads and outages under this localStorage key (wall display). */
  persistKey?: string;
}

const today = () => new Date().toISOString().slice(0, 10);
/** The UTC day of a sample's time (seconds since epoch), as today() names days. */
const dayOf = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

function pct(current: number, capacity: number): number {
  return capacity > 0 ? Math.round((current / capacity) * 100) : 0;
}

export class GymLive {
  areas = $state<AreaStatus[]>([]);
  connection = $state<ConnectionState>('offline');
  samples = $state<Sample[]>([]);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  /** When the numbers on screen were last confirmed by the server (ms). */
  updatedAt = $state<number | null>(null);
  /** +1 after every (re)connect once the replay is through: screens read it in their load effect to refetch what they show. */
  synced = $state(0);
  socket: LiveSocket | null = null;

  private buffering: Array<ServerEvent<'occupancy'>> | null = null;
  private refreshing: Promise<void> | null = null;
  private stops: Array<() => void> = [];
  private persistKey: string | undefined;
  // Pages subscribe here, not on the socket, so a subscription made before the socket exists still holds.
  private listeners = new Listeners();

  get totals(): { current_users: number; capacity: number; pct: number } {
    let current = 0;
    let capacity = 0;
    for (const a of this.areas) {
      current += a.current_users;
      capacity += a.capacity;
    }
    return { current_users: current, capacity, pct: pct(current, capacity) };
  }

  get online(): boolean {
    return this.connection === 'online';
  }

  start(options: LiveOptions): void {
    this.stop();
    this.persistKey = options.persistKey;
    const restored = this.restore();
    const socket = new LiveSocket({ tenantId: options.tenantId, token: options.token, since: restored?.lastSeq ?? null });
    this.socket = socket;
    this.stops.push(
      socket.onState((state) => (this.connection = state)),
      socket.onSynced(() => {
        this.synced++;
        void this.refresh();
      }),
      socket.on('occupancy', (event) => this.applyOccupancy(event)),
      socket.on('areas:changed', () => void this.refresh()),
      socket.onSeq(() => this.persist()),
      socket.onAny((type, event) => {
        this.listeners.emit(type, event);
      }),
    );
    socket.connect();
    void this.refresh();
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.socket?.close();
    this.socket = null;
  }

  /** Subscribes to one event type for as long as the caller lives (use in an $effect and return the result). */
  on<K extends EventType>(type: K, handler: (event: ServerEvent<K>) => void): () => void {
    return this.listeners.on(type, handler);
  }

  /** Re-reads every area; events that arrive meanwhile are applied again on top, in order. */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.buffering = [];
    this.refreshing = (async () => {
      try {
        const status = await api.get<GymStatus>('/api/gym-status');
        this.areas = status.areas;
        const held = this.buffering ?? [];
        this.buffering = null;
        for (const event of held) this.applyOccupancy(event);
        this.loaded = true;
        this.loadError = null;
        this.updatedAt = Date.now();
        this.sample();
      } catch (err) {
        this.loadError = (err as Error).message;
      } finally {
        this.buffering = null;
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  area(id: string): AreaStatus | undefined {
    return this.areas.find((a) => a.id === id);
  }

  private applyOccupancy(event: ServerEvent<'occupancy'>): void {
    this.buffering?.push(event);
    const index = this.areas.findIndex((a) => a.id === event.area_id);
    if (index === -1) {
      void this.refresh();
      return;
    }
    const old = this.areas[index]!;
    this.areas[index] = {
      ...old,
      current_users: event.current_users,
      capacity: event.capacity,
      occupancy_pct: pct(event.current_users, event.capacity),
    };
    this.updatedAt = Date.now();
    this.sample();
  }

  private sample(): void {
    const t = Math.floor(Date.now() / 1000);
    const { current_users, capacity } = this.totals;
    const samples = this.samples.filter((s) => dayOf(s.t) === today());
    const last = samples[samples.length - 1];
    if (last && t - last.t < 1) samples[samples.length - 1] = { t, total: current_users, capacity };
    else samples.push({ t, total: current_users, capacity });
    this.samples = samples.slice(-2000);
    this.persist();
  }

  /** What an earlier page life kept; written by an older version of the app, it may lack fields. */
  private restore(): Partial<Persisted> | null {
    if (!this.persistKey) return null;
    try {
      const saved = JSON.parse(localStorage.getItem(this.persistKey) ?? 'null') as Partial<Persisted> | null;
      if (!saved) return null;
      this.areas = saved.areas ?? [];
      this.samples = saved.day === today() ? (saved.samples ?? []) : [];
      this.updatedAt = saved.updatedAt ?? null;
      this.loaded = this.areas.length > 0;
      return saved;
    } catch {
      return null;
    }
  }

  private persist(): void {
    if (!this.persistKey) return;
    const data: Persisted = {
      day: today(),
      areas: $state.snapshot(this.areas),
      samples: $state.snapshot(this.samples),
      lastSeq: this.socket?.lastSeq ?? null,
      updatedAt: this.updatedAt,
    };
    try {
      localStorage.setItem(this.persistKey, JSON.stringify(data));
    } catch {
      /* storage full or off: the live view still works */
    }
  }
}

/** The signed-in app's live gym (the wall display keeps its own). */
export const gym = new GymLive();
