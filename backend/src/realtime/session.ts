/**
 * One connected socket, from `connection` to `disconnect`: its rooms, its place on the session clock
 * (the end of its token's life, the periodic re-check of its credentials), and its replays (on connect
 * and on `resume`), one at a time.
 */
import type { Namespace } from 'socket.io';
import { REPLAY_LIMITED, type HandshakeAuth, type ResumeAck } from '../contracts/events.js';
import type { AppDeps } from '../deps.js';
import { disconnects, resumeDuration, resumeEvents, resumes, socketsConnected } from '../metrics/index.js';
import { parseSince } from './handshake.js';
import { personOf, type PersonLimits } from './person-limits.js';
import type { SessionClock } from './session-clock.js';
import { releaseRequest } from './socketio-internals.js';
import {
  CATCHUP_ROOM, DISPLAY_ROOM, keyRoom, keysOfRoom, userRoom, type TenantSocket, type TenantStream,
} from './tenant-stream.js';

export interface SessionContext {
  deps: AppDeps;
  stream: TenantStream;
  limits: PersonLimits;
  /** The person whose place this socket holds, given back at disconnect. */
  placed: Map<string, string>;
  /** Ends the socket when its token expires and checks its credentials again now and then. */
  clock: SessionClock;
  /** Called once the socket is gone, with its namespace. */
  ended: (nsp: Namespace) => void;
}

export function startSession(socket: TenantSocket, { deps, stream, limits, placed, clock, ended }: SessionContext): void {
  const { log } = deps;
  // By transport and role only: a tenant label would grow with the customers.
  let labels = { transport: socket.conn.transport.name, role: socket.data.role };
  socketsConnected.inc(labels);
  socket.conn.once('upgrade', () => {
    socketsConnected.dec(labels);
    labels = { ...labels, transport: socket.conn.transport.name };
    socketsConnected.inc(labels);
  });
  log.debug({ socketId: socket.id, tenantId: socket.data.tenantId, userId: socket.data.userId, ...labels }, 'socket connected');
  const { role, userId, apiKey } = socket.data;
  const rooms = [CATCHUP_ROOM];
  if (userId) rooms.push(userRoom(userId));
  if (role === 'display') rooms.push(DISPLAY_ROOM);
  if (apiKey) rooms.push(keyRoom(apiKey.id), keysOfRoom(apiKey.createdBy));
  void socket.join(rooms);

  clock.watch(socket);
  releaseRequest(socket);

  // Replays run one at a time per socket: a resume during another waits its turn.
  let queue: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let charging = 0;
  const replay = (since: number | null) => {
    queued++;
    const run = queue.then(async () => {
      void socket.join(CATCHUP_ROOM);
      const end = resumeDuration.startTimer();
      try {
        const last = await stream.catchUp(socket, since);
        resumes.inc({ result: 'ok' });
        if (since !== null) resumeEvents.inc(Math.max(0, last - since));
        return last;
      } catch (err) {
        resumes.inc({ result: 'failed' });
        throw err;
      } finally {
        end();
      }
    });
    queue = run.catch(() => undefined).finally(() => queued--);
    return run;
  };

  const resumeFrom = (since: number, ack: (answer: ResumeAck) => void) => {
    replay(since).then(
      (last) => ack({ success: true, data: { last_seq: last } } satisfies ResumeAck),
      (err: unknown) => {
        log.warn({ err }, 'resume failed');
        ack({ success: false, message: 'the event log is not available, retry', data: { code: 'service_unavailable' } });
      },
    );
  };

  socket.on('resume', (args, ack) => {
    if (typeof ack !== 'function') return;
    const since = parseSince((args as { since?: unknown } | undefined)?.since);
    if (since === null) {
      ack({ success: false, message: 'since must be a non-negative integer', data: { code: 'invalid_input' } });
      return;
    }
    // Each replay reads the log: a client may have one running and one waiting, not a flood.
    // The place is taken before the budget is asked (asynchronously), or a burst would all pass.
    if (queued + charging >= 2) {
      ack({ success: false, message: 'a resume is already running', data: { code: 'rate_limited' } });
      return;
    }
    charging++;
    void limits.chargeReplay(personOf(socket), stream.lastSeq - since).then((allowed) => {
      charging--;
      if (!allowed) {
        ack({ success: false, message: 'too much of the log replayed this minute, retry later', data: { code: REPLAY_LIMITED } });
        return;
      }
      resumeFrom(since, ack);
    });
  });

  socket.on('disconnect', (reason) => {
    socketsConnected.dec(labels);
    disconnects.inc({ reason });
    log.debug({ socketId: socket.id, tenantId: socket.data.tenantId, reason, ...labels }, 'socket disconnected');
    const person = placed.get(socket.id);
    if (person !== undefined) {
      placed.delete(socket.id);
      limits.release(person);
    }
    clock.forget(socket);
    ended(socket.nsp);
  });

  const since = parseSince((socket.handshake.auth as HandshakeAuth | undefined)?.since) ?? socket.data.lastSeq;
  replay(since).catch((err: unknown) => {
    log.warn({ err }, 'replay on connect failed; disconnecting so the client retries');
    socket.disconnect(true);
  });
}
