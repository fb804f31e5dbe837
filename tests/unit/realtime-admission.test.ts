/**
 * The tenant namespaces' bookkeeping without a network: a namespace whose stream failed gets a new
 * stream but keeps one pair of cluster listeners (each cluster message reaches the stream once), and a
 * handshake whose checks throw is refused as `unavailable` instead of being left hanging.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import type { AppDeps } from '../../backend/src/deps.js';
import { admission } from '../../backend/src/realtime/admission.js';
import { namespaceRegistry, type RegisteredStream } from '../../backend/src/realtime/namespaces.js';
import type { PersonLimits } from '../../backend/src/realtime/person-limits.js';
import type { TenantNamespace, TenantSocket, TenantStream } from '../../backend/src/realtime/tenant-stream.js';

const TENANT = '00000000-0000-4000-8000-000000000001';

function setup<S extends RegisteredStream>(createStream: (tenantId: string, nsp: TenantNamespace) => S) {
  // Not attached to an HTTP server: namespaces and their listeners only.
  const io = new Server();
  const parent = io.of(/^\/tenant\/[^/]{1,64}$/);
  const registry = namespaceRegistry(io, parent, createStream, 60_000);
  return { io, registry, nsp: registry.namespaceOf(TENANT) };
}

describe('tenant namespaces', () => {
  it('replaces a failed stream and still hands each cluster message to the stream once', () => {
    const received: string[] = [];
    let made = 0;
    const { registry, nsp } = setup((_tenantId, ns) => {
      const name = `stream ${++made}`;
      return { nsp: ns, failed: made === 1, ingest: () => received.push(name), resync: () => undefined, close: () => undefined };
    });
    registry.streamOf(nsp);
    const second = registry.streamOf(nsp);
    expect(made).toBe(2);
    expect(registry.stream(TENANT)).toBe(second);
    // What another server's serverSideEmit does on arrival: the namespace's own listeners hear it.
    EventEmitter.prototype.emit.call(nsp, 'events', [{ seq: 1 }]);
    EventEmitter.prototype.emit.call(nsp, 'event', { seq: 2 });
    expect(received).toEqual(['stream 2', 'stream 2']);
    expect(nsp.listeners('events')).toHaveLength(1);
    expect(nsp.listeners('event')).toHaveLength(1);
    expect(nsp.listeners('resync')).toHaveLength(1);
  });

  it('refuses a handshake whose checks throw as unavailable, not by leaving it hanging', async () => {
    const { registry, nsp } = setup(() => { throw new Error('no stream in this test'); });
    const deps = { log: { warn: () => undefined, error: () => undefined } } as unknown as AppDeps;
    const limits = {} as PersonLimits;
    const admit = admission(deps, registry as never as Parameters<typeof admission>[1], limits, new Map());
    // A socket whose handshake is gone: reading it throws inside the credentials check.
    const socket = { id: 's1', nsp, handshake: undefined } as unknown as TenantSocket;
    const verdict = await new Promise<Error | undefined>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the handshake never answered')), 2000);
      void admit(socket, (err) => { clearTimeout(timer); resolve(err); });
    });
    expect(verdict?.message).toBe('unavailable');
  });
});
