/**
 * Hands committed events to Socket.IO. Services never see `io`: they record events in their unit of
 * work, and this publisher emits them after commit.
 */
import type { Server } from 'socket.io';
import { tenantNamespace, type StoredEvent } from '../contracts/events.js';
import type { EventSink } from '../db/unit-of-work.js';

export interface Publisher extends EventSink {
  attach(io: Server): void;
}

export function createPublisher(): Publisher {
  let io: Server | null = null;
  return {
    attach(server) {
      io = server;
    },
    publish(events: StoredEvent[]) {
      if (!io) return;
      for (const e of events) {
        io.of(tenantNamespace(e.tenant_id)).emit(e.type, { seq: e.seq, at: e.at, ...e.payload } as never);
      }
    },
  };
}
