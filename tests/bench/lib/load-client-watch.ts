/**
 * The load client's second kind of measurement, for a rush of bookings: each connection counts the
 * events of one name whose bytes contain a marker (the class's area id), notes when the n-th arrived
 * (the booking that fills the class), and when the first event of a second name with the marker came
 * after it (the `slots:changed` that tells a screen to refetch the now full grid). Raw bytes only, as
 * on the hot path of load-client.ts.
 */
export interface WatchCommand {
  type: 'watch';
  id: number;
  nsp: string;
  event: string;
  contains: string;
  nth: number;
  then: string;
  timeoutMs: number;
}

export type WatchReply = { type: 'watching'; id: number } | WatchResult;

export interface WatchResult {
  type: 'watched';
  id: number;
  /** Monotonic ms per connection; 0 where it never came. */
  nthAt: Float64Array;
  thenAt: Float64Array;
  /** Per connection: how many `event`s with the marker arrived in all. */
  counts: Uint16Array;
}

interface Watching {
  id: number;
  event: Buffer;
  then: Buffer;
  contains: Buffer;
  nth: number;
  slots: Map<object, number>;
  counts: Uint16Array;
  nthAt: Float64Array;
  thenAt: Float64Array;
  done: number;
  timer: NodeJS.Timeout;
  reply: (r: WatchResult) => void;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
let watching: Watching | null = null;

function finish(): void {
  const w = watching;
  if (!w) return;
  watching = null;
  clearTimeout(w.timer);
  w.reply({ type: 'watched', id: w.id, nthAt: w.nthAt, thenAt: w.thenAt, counts: w.counts });
}

export function watchCommand(cmd: WatchCommand, connections: Iterable<object>, reply: (r: WatchReply) => void): void {
  finish();
  const slots = new Map<object, number>();
  for (const c of connections) slots.set(c, slots.size);
  const n = slots.size;
  watching = {
    id: cmd.id,
    event: Buffer.from(`42${cmd.nsp},["${cmd.event}"`),
    then: Buffer.from(`42${cmd.nsp},["${cmd.then}"`),
    contains: Buffer.from(cmd.contains),
    nth: cmd.nth,
    slots,
    counts: new Uint16Array(n),
    nthAt: new Float64Array(n),
    thenAt: new Float64Array(n),
    done: 0,
    timer: setTimeout(finish, cmd.timeoutMs),
    reply,
  };
  reply({ type: 'watching', id: cmd.id });
  if (n === 0) finish();
}

const startsWith = (data: Buffer, prefix: Buffer) =>
  data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/** Called for every message of a connected socket that no armed measurement took. */
export function watchMessage(conn: object, data: Buffer): void {
  const w = watching;
  if (!w) return;
  const slot = w.slots.get(conn);
  if (slot === undefined) return;
  if (startsWith(data, w.event)) {
    if (data.indexOf(w.contains) < 0) return;
    if (++w.counts[slot]! === w.nth) w.nthAt[slot] = now();
  } else if (w.nthAt[slot] !== 0 && w.thenAt[slot] === 0 && startsWith(data, w.then) && data.indexOf(w.contains) >= 0) {
    w.thenAt[slot] = now();
    if (++w.done === w.slots.size) finish();
  }
}
