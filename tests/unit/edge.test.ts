/**
 * The request's edge: forwarded headers count only from TRUSTED_PROXIES, and origins are the product's own.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { edgeOf } from '../../backend/src/http/edge.js';

const request = (peer: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('client address and scheme', () => {
  const behindNginx = edgeOf(loadConfig({ NODE_ENV: 'test', TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' }));
  const trustNobody = edgeOf(loadConfig({ NODE_ENV: 'test' }));

  it('ignores a client’s own X-Forwarded-For when it comes straight to a node', () => {
    const forged = request('203.0.113.7', { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' });
    expect(behindNginx.clientAddress(forged)).toBe('203.0.113.7');
    expect(behindNginx.protocol(forged)).toBe('http');
    expect(trustNobody.clientAddress(request('127.0.0.1', { 'x-forwarded-for': '198.51.100.1' }))).toBe('127.0.0.1');
  });

  it('takes only the trusted proxy’s view of the client', () => {
    // The client forged the first entry; nginx appended the address it saw.
    const viaNginx = request('127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7', 'x-forwarded-proto': 'https' });
    expect(behindNginx.clientAddress(viaNginx)).toBe('203.0.113.7');
    expect(behindNginx.protocol(viaNginx)).toBe('https');
    // Two trusted hops (a load balancer in 10/8, then nginx).
    expect(behindNginx.clientAddress(request('127.0.0.1', { 'x-forwarded-for': '203.0.113.7, 10.1.2.3' }))).toBe('203.0.113.7');
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or CIDR', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', TRUSTED_PROXIES: 'nginx.internal' })).toThrow(/TRUSTED_PROXIES/);
  });
});

describe('origins', () => {
  const edge = edgeOf(loadConfig({
    NODE_ENV: 'test', PUBLIC_URL: 'https://gym.example', BASE_DOMAIN: 'gym.example', CORS_ORIGINS: 'https://partner.example',
  }));
  const twin = edgeOf(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:8080', BASE_DOMAIN: 'localhost' }));

  it('accepts PUBLIC_URL, CORS_ORIGINS and every tenant subdomain on the public scheme and port', () => {
    for (const o of ['https://gym.example', 'https://partner.example', 'https://olympia.gym.example', 'https://demo.gym.example:443']) {
      expect(edge.originAllowed(o), o).toBe(true);
    }
    expect(twin.originAllowed('http://demo.localhost:8080')).toBe(true);
  });

  it('refuses anything else', () => {
    for (const o of [
      'http://olympia.gym.example', 'https://olympia.gym.example:8443', 'https://a.b.gym.example', 'https://gym.example.evil.example',
      'https://evilgym.example', 'null', '', 'file://', 'https://-x.gym.example',
    ]) {
      expect(edge.originAllowed(o), o).toBe(false);
    }
    expect(twin.originAllowed('http://demo.localhost:3000')).toBe(false);
  });

  it('without a PUBLIC_URL accepts the loopback names it is opened by on this machine, and nothing else', () => {
    const local = edgeOf(loadConfig({ NODE_ENV: 'test', PORT: '0' }));
    for (const o of ['http://127.0.0.1:41211', 'http://localhost:3000', 'http://demo.localhost:3000', 'http://[::1]:3000']) {
      expect(local.originAllowed(o), o).toBe(true);
    }
    for (const o of ['http://evil.example', 'http://127.0.0.1.evil.example', 'http://localhost.evil.example', 'http://10.0.0.1:3000']) {
      expect(local.originAllowed(o), o).toBe(false);
    }
  });
});
