/**
 * Cross-tenant matrix. Tenant A (demo) attacks tenant B (olympia) on every route and method the
 * OpenAPI document lists and on the socket namespaces, with every kind of credential A can hold or
 * forge. A leak is any of: B's data changed; an answer that names one of B's ids or secrets the request
 * did not contain; an answer about B's id that differs from the answer about an id that does not exist
 * (an existence oracle); a protected route answering 2xx to a request that names B or carries no valid
 * credential; a socket of A receiving anything of B. Then the database itself: forced row-level
 * security on every tenant table, and constraint errors that are the same for B's ids as for none.
 */
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebClient, login } from '../support/auth.js';
import { startGym, type GymFixture } from '../support/gym.js';
import { withPostgres } from '../support/services.js';
import { report } from './support/figures.js';
import { fillPath, operations, sample, type Operation } from './support/openapi.js';
import { athensDay, openArea } from './support/people.js';
import { raw, type RawAnswer } from './support/raw-http.js';
import { handshake, listen, sleep, until } from './support/sockets.js';

/** Words that would mean a database or runtime error reached the client. */
const INTERNALS = /violates|constraint|duplicate key|SELECT |INSERT |UPDATE |syntax error|stack|\bat [\w.]+ \(|node_modules|pg_|relation "/i;
/** Random secrets a creating answer shows once (tokens): their letters may spell anything, so they are not read for internals. */
const SECRETS = /"(token|access_token|refresh_token|secret)":"[^"]*"/g;

/** Operations that spend the credential they are called with: they get fresh credentials per probe. */
const SPENDING = new Set(['POST /api/auth/refresh', 'POST /api/auth/logout', 'POST /auth/logout']);

interface Credentials {
  ownerToken: string;
  refreshToken: string;
  cookie: string;
  csrf: string;
}

interface Variant {
  name: string;
  /** Holds A's valid credentials (its answers are compared with answers about ids that do not exist). */
  valid: boolean;
  headers(c: Credentials, method: string): Record<string, string>;
}

describe.runIf(withPostgres)('tenant A against tenant B', () => {
  let gym: GymFixture;
  let admin: pg.Client;
  let doc: any;
  let A: string;
  let B: string;
  let host: string;
  let aOnly: { username: string; password: string };
  /** A's API key with every scope. */
  let aKey = '';
  const b: Record<string, string> = {};
  const markers = new Set<string>();
  let probes = 0;
  let comparisons = 0;
  const leaks: string[] = [];
  /** Answers per variant and status class, to show the matrix really reached the routes. */
  const tally = new Map<string, Record<string, number>>();

  /** Everything of B, hashed; volatile bookkeeping columns left out. */
  const stateOfB = async (): Promise<string> => {
    const { rows } = await admin.query(
      `SELECT md5(coalesce(string_agg(t, '|' ORDER BY t), '')) AS h FROM (
         SELECT 'u' || (x.*)::text AS t FROM users x WHERE tenant_id = $1
         UNION ALL SELECT 'a' || (x.*)::text FROM gym_areas x WHERE tenant_id = $1
         UNION ALL SELECT 'p' || (x.*)::text FROM workout_programs x WHERE tenant_id = $1
         UNION ALL SELECT 'b' || (x.*)::text FROM bookings x WHERE tenant_id = $1
         UNION ALL SELECT 's' || (x.*)::text FROM workout_sessions x WHERE tenant_id = $1
         UNION ALL SELECT 'v' || (x.*)::text FROM visits x WHERE tenant_id = $1
         UNION ALL SELECT 'e' || row(x.seq, x.type, x.payload)::text FROM events x WHERE tenant_id = $1
         UNION ALL SELECT 'c' || row(x.tenant_id, x.last_seq)::text FROM event_counters x WHERE tenant_id = $1
         UNION ALL SELECT 'r' || row(x.id, x.family_id, x.used_at, x.revoked_at)::text FROM refresh_tokens x WHERE tenant_id = $1
         UNION ALL SELECT 'd' || row(x.id, x.name, x.revoked_at)::text FROM display_tokens x WHERE tenant_id = $1
         UNION ALL SELECT 'k' || row(x.id, x.name, x.scopes, x.revoked_at)::text FROM api_keys x WHERE tenant_id = $1
         UNION ALL SELECT 'w' || row(x.id, x.url, x.events, x.description, x.enabled, x.secret, x.previous_secret, x.last_seq)::text FROM webhook_endpoints x WHERE tenant_id = $1
         UNION ALL SELECT 'i' || (x.*)::text FROM idempotency_keys x WHERE tenant_id = $1
         UNION ALL SELECT 'w' || (x.*)::text FROM waitlist_entries x WHERE tenant_id = $1
         UNION ALL SELECT 't' || (x.*)::text FROM tenants x WHERE id = $1
       ) s`,
      [B],
    );
    return rows[0].h as string;
  };

  const freshCredentials = async (): Promise<Credentials> => {
    const pair = await login(gym.url, 'demo', 'owner', 'owner123');
    const web = new WebClient(gym.url);
    await web.login('demo', 'owner', 'owner123');
    return { ownerToken: pair.access_token, refreshToken: pair.refresh_token, cookie: web.cookieHeader, csrf: web.csrf! };
  };

  const forged = () => ({
    wrongKey: jwt.sign({ sub: b.owner, tid: B, role: 'owner', usr: 'owner', loc: 'en', fam: randomUUID(), typ: 'access' }, 'not-the-server-secret-0123456789abcdef', {
      algorithm: 'HS256', expiresIn: 600, issuer: 'gymflow', audience: 'gymflow-api', jwtid: randomUUID(),
    }),
    algNone: jwt.sign({ sub: b.owner, tid: B, role: 'owner', usr: 'owner', loc: 'en', fam: randomUUID(), typ: 'access' }, '', {
      algorithm: 'none', expiresIn: 600, issuer: 'gymflow', audience: 'gymflow-api',
    }),
    /** A's real token with the tenant claim rewritten to B (signature no longer matches). */
    retargeted: (token: string) => {
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
      return [h, Buffer.from(JSON.stringify({ ...claims, tid: B })).toString('base64url'), s].join('.');
    },
  });

  const VARIANTS: Variant[] = [
    { name: 'A session', valid: true, headers: (c, m) => ({ cookie: c.cookie, ...(m === 'GET' ? {} : { 'x-csrf-token': c.csrf }) }) },
    { name: 'A owner token', valid: true, headers: (c) => ({ authorization: `Bearer ${c.ownerToken}` }) },
    { name: 'A member token', valid: true, headers: () => ({ authorization: `Bearer ${gym.tokens.member}` }) },
    { name: 'A display token', valid: true, headers: () => ({ authorization: `Bearer ${gym.tokens.display}` }) },
    { name: 'A API key (every scope)', valid: true, headers: () => ({ authorization: `Bearer ${aKey}` }) },
    { name: 'A API key retargeted to B', valid: false, headers: () => ({ authorization: `Bearer ${retargetKey(aKey)}` }) },
    { name: 'A token with X-Tenant-ID of B', valid: false, headers: (c) => ({ authorization: `Bearer ${c.ownerToken}`, 'x-tenant-id': B }) },
    { name: 'A session with X-Tenant-ID of B', valid: false, headers: (c) => ({ cookie: c.cookie, 'x-csrf-token': c.csrf, 'x-tenant-id': B }) },
    { name: 'A token on B subdomain', valid: false, headers: (c) => ({ authorization: `Bearer ${c.ownerToken}`, host: `olympia.localhost:${host}` }) },
    { name: 'A session on B subdomain', valid: false, headers: (c) => ({ cookie: c.cookie, 'x-csrf-token': c.csrf, host: `olympia.localhost:${host}` }) },
    { name: 'forged token (wrong key)', valid: false, headers: () => ({ authorization: `Bearer ${forged().wrongKey}` }) },
    { name: 'forged token (alg none)', valid: false, headers: () => ({ authorization: `Bearer ${forged().algNone}` }) },
    { name: 'A token retargeted to B', valid: false, headers: (c) => ({ authorization: `Bearer ${forged().retargeted(c.ownerToken)}` }) },
    { name: 'no credentials', valid: false, headers: () => ({}) },
  ];

  /** A's API key with B's id in its tail: the same secret, named as B's. */
  const retargetKey = (key: string) => key.slice(0, -22) + Buffer.from(B.replace(/-/g, ''), 'hex').toString('base64url');

  /** B's id for a path parameter of an operation. */
  const pathIdOfB = (op: Operation, param: string): string => {
    const t = op.template;
    if (param === 'areaId' || t.startsWith('/api/areas')) return b.area!;
    if (t.startsWith('/api/programs')) return b.program!;
    if (t.startsWith('/api/members')) return b.member!;
    if (t.startsWith('/api/bookings')) return b.booking!;
    if (t.startsWith('/api/visits')) return b.visit!;
    if (t.startsWith('/api/waitlist')) return b.waitlist!;
    if (t.startsWith('/api/display-tokens')) return b.display!;
    if (t.startsWith('/api/api-keys')) return b.apiKey!;
    if (t.startsWith('/api/webhooks')) return b.webhook!;
    if (t.startsWith('/api/platform/tenants')) return B;
    if (t.startsWith('/api/docs')) return 'index.html';
    return b.area!;
  };
  const bodyIdOfB = (name: string): string | undefined =>
    ({ room_id: b.area, area_id: b.area, booking_id: b.booking, user_id: b.member, program_id: b.program, session_id: b.session })[name];

  /** The request for an operation: about B's ids, or (`ghost`) about ids that exist nowhere. */
  const requestFor = (op: Operation, c: Credentials, ghost: boolean) => {
    const ids = new Map<string, string>();
    const idFor = (name: string, real: string | undefined) => {
      if (!real) return undefined;
      if (!ghost) return real;
      if (!ids.has(name)) ids.set(name, randomUUID());
      return ids.get(name)!;
    };
    const path = fillPath(op.template, (p) => (p === 'file' ? 'index.html' : idFor(`path:${p}`, pathIdOfB(op, p))!));
    const query = op.query
      .filter((q) => q.schema?.format === 'uuid' && bodyIdOfB(q.name))
      .map((q) => `${q.name}=${idFor(q.name, bodyIdOfB(q.name))}`);
    const named: Record<string, unknown> = {};
    if (op.template.endsWith('/login')) Object.assign(named, { username: aOnly.username, password: aOnly.password, tenant: 'olympia' });
    if (op.template.endsWith('/refresh') || op.template.endsWith('/logout')) named.refresh_token = c.refreshToken;
    const body = op.body ? sample(doc, op.body, { uuid: (n) => idFor(n, bodyIdOfB(n)), named }) : undefined;
    return { path: path + (query.length ? `?${query.join('&')}` : ''), body, namesB: !ghost && (path.includes(B) || [...markers].some((m) => path.includes(m) || JSON.stringify(body ?? '').includes(m) || query.join('&').includes(m))) };
  };

  const send = (op: Operation, variant: Variant, c: Credentials, req: { path: string; body: unknown }) => {
    probes++;
    const headers = variant.headers(c, op.method);
    if (op.idempotent) headers['idempotency-key'] = `matrix-${randomUUID()}`;
    return raw(gym.url, { method: op.method, path: req.path, headers, ...(req.body !== undefined ? { json: req.body } : {}) });
  };

  const shape = (a: RawAnswer) =>
    a.status >= 200 && a.status < 300
      ? `${a.status} ${Array.isArray(a.json?.data) ? `list` : typeof a.json?.data}`
      : `${a.status} ${a.json?.data?.code} ${JSON.stringify(a.json?.data?.details ?? null)}`;

  beforeAll(async () => {
    // A's key makes a request per probe: its budget must not be what refuses them.
    gym = await startGym({ env: { API_KEY_REQUESTS_PER_MINUTE: '1000000' } });
    A = gym.demo;
    B = gym.olympia;
    host = new URL(gym.url).port;
    admin = new pg.Client({ connectionString: gym.server.config.database.driver === 'pg' ? gym.server.config.database.url : '' });
    await admin.connect();
    doc = (await raw(gym.url, { method: 'GET', path: '/api/openapi.json' })).json;
    const person = await gym.f.user(A, { role: 'member' });
    aOnly = { username: person.username, password: person.password };

    // B's resources, made through B's own API where the API makes them.
    const bOwner = gym.tokens.olympiaOwner;
    const area = await openArea(gym.server.deps.uow, B, { name_en: `Olympia-Secret-${randomUUID().slice(0, 8)}`, capacity: 50, booking_capacity: 3 });
    b.area = area.id;
    b.program = (await gym.f.program(B)).id;
    const [p1, p2, p3] = [await gym.person('member', 'olympia'), await gym.person('member', 'olympia'), await gym.person('member', 'olympia')];
    b.member = p1.id;
    b.owner = (await gym.server.deps.uow.inTenant(B, ({ trx }) => trx('users').where({ role: 'owner' }).first('id'))).id;
    const booked = await raw(gym.url, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${p1.token}`, 'idempotency-key': 'shared-key' }, json: { room_id: b.area, date: athensDay(3), time: '10:00' } });
    expect(booked.status).toBe(201);
    b.booking = booked.json.data.booking.id;
    // A full exclusive court with a line: p2 holds it, p3 waits.
    const court = await openArea(gym.server.deps.uow, B, { capacity: 4, booking_capacity: 1 });
    expect((await raw(gym.url, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${p2.token}` }, json: { room_id: court.id, date: athensDay(3), time: '11:00' } })).status).toBe(201);
    const joined = await raw(gym.url, { method: 'POST', path: '/api/waitlist', headers: { authorization: `Bearer ${p3.token}` }, json: { room_id: court.id, date: athensDay(3), time: '11:00' } });
    expect(joined.status).toBe(201);
    b.waitlist = joined.json.data.id;
    const visit = await raw(gym.url, { method: 'POST', path: '/api/visits', headers: { authorization: `Bearer ${bOwner}` }, json: { user_id: p2.id, area_id: b.area } });
    expect(visit.status).toBe(201);
    b.visit = visit.json.data.visit.id;
    const session = await raw(gym.url, { method: 'POST', path: '/api/start-workout', headers: { authorization: `Bearer ${p3.token}` }, json: { program_id: b.program, area_id: b.area } });
    expect(session.status).toBe(201);
    b.session = session.json.data.session.id;
    const display = await raw(gym.url, { method: 'POST', path: '/api/display-tokens', headers: { authorization: `Bearer ${bOwner}` }, json: { name: 'B wall' } });
    expect(display.status).toBe(201);
    b.display = display.json.data.id ?? display.json.data.display_token?.id ?? display.json.data.token?.id;
    expect(b.display).toMatch(/^[0-9a-f-]{36}$/);
    b.displaySecret = display.json.data.token ?? display.json.data.display_token?.token ?? '';
    const every = ['bookings:read', 'bookings:write', 'occupancy:read', 'members:read', 'webhooks:manage'];
    const bKey = await raw(gym.url, { method: 'POST', path: '/api/api-keys', headers: { authorization: `Bearer ${bOwner}` }, json: { name: 'B integration', scopes: every } });
    expect(bKey.status).toBe(201);
    b.apiKey = bKey.json.data.id;
    b.apiKeySecret = bKey.json.data.key;
    const ownKey = await raw(gym.url, { method: 'POST', path: '/api/api-keys', headers: { authorization: `Bearer ${gym.tokens.owner}` }, json: { name: 'A integration', scopes: every } });
    expect(ownKey.status).toBe(201);
    aKey = ownKey.json.data.key;
    for (const [k, v] of Object.entries(b)) if (v && k !== 'displaySecret' && k !== 'apiKeySecret') markers.add(v);
    markers.add(b.apiKeySecret!);
    // A webhook endpoint of B (nothing listens there) with one attempt in its delivery log.
    const hook = await raw(gym.url, { method: 'POST', path: '/api/webhooks', headers: { authorization: `Bearer ${bOwner}` }, json: { url: 'http://127.0.0.1:9/b-hook', events: ['occupancy'] } });
    expect(hook.status).toBe(201);
    b.webhook = hook.json.data.id;
    b.webhookSecret = hook.json.data.secret;
    const tested = await raw(gym.url, { method: 'POST', path: `/api/webhooks/${b.webhook}/test`, headers: { authorization: `Bearer ${bOwner}` } });
    expect(tested.status).toBe(202);
    for (const [k, v] of Object.entries(b)) if (v && k !== 'displaySecret' && k !== 'webhookSecret') markers.add(v);
    markers.add(b.webhookSecret!.slice(6));
    markers.add(B);
    markers.add(p1.id).add(p2.id).add(p3.id);
    markers.add(await gym.server.deps.uow.inTenant(B, ({ trx }) => trx('gym_areas').where({ id: b.area }).first('name_en')).then((r) => r.name_en));
    if (b.displaySecret) markers.add(b.displaySecret);
  }, 60_000);

  afterAll(async () => {
    await admin?.end();
    await gym?.stop();
  });

  it('lets no credential of A reach, change or detect anything of B on any route', async () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(40);
    // Spending operations last, so A's shared credentials stay valid for the rest.
    ops.sort((x, y) => Number(SPENDING.has(`${x.method} ${x.template}`)) - Number(SPENDING.has(`${y.method} ${y.template}`)));
    let shared = await freshCredentials();
    // B's events are numbered after commit (its seed's by the sweeper): number them now, so that the
    // snapshot below changes only if a request does.
    await gym.server.realtime.store.sequence(B);
    let before = await stateOfB();
    for (const op of ops) {
      const key = `${op.method} ${op.template}`;
      for (const variant of VARIANTS) {
        const creds = SPENDING.has(key) ? await freshCredentials() : shared;
        const req = requestFor(op, creds, false);
        const answer = await send(op, variant, creds, req);
        const where = `${key} [${variant.name}] → ${answer.status}`;
        const t = tally.get(variant.name) ?? {};
        t[`${String(answer.status)[0]}xx`] = (t[`${String(answer.status)[0]}xx`] ?? 0) + 1;
        tally.set(variant.name, t);
        const after = await stateOfB();
        if (after !== before) {
          leaks.push(`${where}: changed B's data`);
          before = after;
        }
        const requestText = req.path + JSON.stringify(req.body ?? '');
        for (const m of markers) if (answer.text.includes(m) && !requestText.includes(m)) leaks.push(`${where}: answer names B's ${m}`);
        if (INTERNALS.test(answer.text.replace(SECRETS, '')) && !key.startsWith('GET /api/docs') && key !== 'GET /api/openapi.json') leaks.push(`${where}: answer shows internals: ${answer.text.slice(0, 200)}`);
        const ok = answer.status >= 200 && answer.status < 300;
        if (ok && key.endsWith('/login')) leaks.push(`${where}: a user of A signed in to B`);
        if (ok && !op.isPublic && !variant.valid) leaks.push(`${where}: protected route answered without valid credentials of the tenant`);
        if (answer.status >= 500) leaks.push(`${where}: server error ${answer.text.slice(0, 200)}`);
        // The same request about ids that exist nowhere must be answered the same way.
        if (variant.valid && req.namesB) {
          comparisons++;
          const ghost = await send(op, variant, creds, requestFor(op, creds, true));
          if (shape(ghost) !== shape(answer)) leaks.push(`${where}: differs from an unknown id (${shape(answer)} vs ${shape(ghost)})`);
          const afterGhost = await stateOfB();
          if (afterGhost !== before) {
            leaks.push(`${where} (unknown id): changed B's data`);
            before = afterGhost;
          }
        }
      }
      // A's shared credentials are renewed if a probe ended them (a leak would show above).
      if (!SPENDING.has(key)) {
        const check = await raw(gym.url, { method: 'GET', path: '/api/auth/me', headers: { authorization: `Bearer ${shared.ownerToken}` } });
        if (check.status !== 200) shared = await freshCredentials();
      }
    }
    report('cross-tenant HTTP matrix', { operations: ops.length, variants: VARIANTS.length, probes, oracle_comparisons: comparisons, leaks: leaks.length });
    for (const [name, t] of tally) console.log(`  ${name}: ${JSON.stringify(t)}`);
    expect(leaks).toEqual([]);
    // The valid credentials really reached the routes (2xx on A's own data), and B's ids were compared.
    for (const v of ['A session', 'A owner token', 'A member token', 'A display token', 'A API key (every scope)']) expect(tally.get(v)?.['2xx'] ?? 0).toBeGreaterThan(3);
    expect(comparisons).toBeGreaterThan(40);
  }, 120_000);

  it("never replays B's answer for an Idempotency-Key that B used", async () => {
    const res = await raw(gym.url, {
      method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${gym.tokens.member}`, 'idempotency-key': 'shared-key' },
      json: { room_id: b.area, date: athensDay(3), time: '10:00' },
    });
    probes++;
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(b.booking!);
  });

  it('lets A create a member with the username of one of B, and hides every other uniqueness', async () => {
    const bUser = await gym.server.deps.uow.inTenant(B, ({ trx }) => trx('users').where({ id: b.member }).first('username'));
    const res = await raw(gym.url, {
      method: 'POST', path: '/api/members', headers: { authorization: `Bearer ${gym.tokens.owner}` },
      json: { username: bUser.username, password: 'Tundra-Lilac-Quartz-63' },
    });
    probes++;
    expect(res.status).toBe(201);
  });

  it('keeps every socket of A out of B and every event of B away from A', async () => {
    const web = new WebClient(gym.url);
    await web.login('demo', 'owner', 'owner123');
    const f = forged();
    const refused: Array<[string, Parameters<typeof handshake>[2], string]> = [
      ['A owner token', { token: gym.tokens.owner }, 'forbidden'],
      ['A member token', { token: gym.tokens.member }, 'forbidden'],
      ['A display token', { token: gym.tokens.display }, 'forbidden'],
      ['A API key', { token: aKey }, 'forbidden'],
      ['A API key retargeted to B', { token: retargetKey(aKey) }, 'unauthorized'],
      ['A session cookie', { cookie: web.cookieHeader }, 'forbidden'],
      ['A token with since', { token: gym.tokens.owner, since: 0 }, 'forbidden'],
      ['forged token (wrong key)', { token: f.wrongKey }, 'unauthorized'],
      ['forged token (alg none)', { token: f.algNone }, 'unauthorized'],
      ['A token retargeted to B', { token: f.retargeted(gym.tokens.owner) }, 'unauthorized'],
      ['no credentials', {}, 'unauthorized'],
      ['empty token', { token: '' }, 'unauthorized'],
      ['token of wrong type', { authOverride: { token: { $ne: null } } }, 'unauthorized'],
      ['B namespace in capitals', { token: gym.tokens.owner, namespace: `/tenant/${B.toUpperCase()}` }, 'forbidden'],
      ['A token on B namespace with trailing text', { token: gym.tokens.owner, namespace: `/tenant/${B}x` }, 'forbidden'],
    ];
    for (const [name, options, expected] of refused) {
      probes++;
      const outcome = await handshake(gym.url, B, options);
      if (outcome === 'connected') leaks.push(`socket [${name}] connected to B`);
      else expect(outcome, name).toBe(expected);
    }

    // A's live views, replaying A's whole log, while B produces every kind of event.
    const listeners = await Promise.all([
      listen(gym.url, A, { token: gym.tokens.owner, since: 0 }),
      listen(gym.url, A, { token: gym.tokens.member, since: 0 }),
      listen(gym.url, A, { token: gym.tokens.display, since: 0 }),
      listen(gym.url, A, { token: aKey, since: 0 }),
      listen(gym.url, A, { cookie: web.cookieHeader, since: 0 }),
    ]);
    const bOwner = { authorization: `Bearer ${gym.tokens.olympiaOwner}` };
    const bPerson = await gym.person('member', 'olympia');
    const made = await raw(gym.url, { method: 'POST', path: '/api/book-room', headers: { authorization: `Bearer ${bPerson.token}` }, json: { room_id: b.area, date: athensDay(4), time: '11:00' } });
    expect(made.status).toBe(201);
    markers.add(made.json.data.booking.id).add(bPerson.id);
    expect((await raw(gym.url, { method: 'POST', path: `/api/bookings/${made.json.data.booking.id}/cancel`, headers: { authorization: `Bearer ${bPerson.token}` } })).status).toBe(200);
    const started = await raw(gym.url, { method: 'POST', path: '/api/start-workout', headers: { authorization: `Bearer ${bPerson.token}` }, json: { program_id: b.program, area_id: b.area } });
    expect(started.status).toBe(201);
    markers.add(started.json.data.session.id);
    expect((await raw(gym.url, { method: 'POST', path: '/api/complete-workout', headers: { authorization: `Bearer ${bPerson.token}` }, json: { session_id: started.json.data.session.id } })).status).toBe(200);
    const newArea = await raw(gym.url, { method: 'POST', path: '/api/areas', headers: bOwner, json: { name_en: 'B extra', name_el: 'B extra', capacity: 5 } });
    expect(newArea.status).toBe(201);
    markers.add(newArea.json.data.area.id);
    const bTypes = await gym.server.deps.uow.inTenant(B, ({ trx }) => trx('events').distinct('type').pluck('type'));
    expect(bTypes).toEqual(expect.arrayContaining(['occupancy', 'booking:created', 'booking:cancelled', 'slots:changed', 'workout:started', 'workout:completed', 'areas:changed']));

    // A barrier event of A after B's: once A's sockets have it, B's would have arrived too.
    await gym.server.deps.publisher.flush();
    const barrier = await raw(gym.url, { method: 'POST', path: '/api/areas', headers: { authorization: `Bearer ${gym.tokens.owner}` }, json: { name_en: 'A barrier', name_el: 'A barrier', capacity: 5 } });
    expect(barrier.status).toBe(201);
    await gym.server.deps.publisher.flush();
    const aLog = await gym.server.deps.uow.inTenant(A, ({ trx }) => trx('events').orderBy('seq').select('seq', 'type'));
    const lastA = Number(aLog.at(-1)!.seq);
    for (const l of listeners) {
      await until('A listener to reach the barrier', () => l.lastSeq() >= lastA);
      const ack: any = await l.socket.timeout(10_000).emitWithAck('resume', { since: 0 });
      expect(ack.success).toBe(true);
    }
    await sleep(300);
    const expectedTypes = new Map(aLog.map((e: any) => [Number(e.seq), e.type]));
    for (const [i, l] of listeners.entries()) {
      for (const { type, event } of l.events) {
        probes++;
        const text = JSON.stringify(event);
        if ([...markers].some((m) => text.includes(m))) leaks.push(`socket ${i} of A received B's ${type}: ${text}`);
        if (expectedTypes.get(event.seq) !== type) leaks.push(`socket ${i} of A received ${type} #${event.seq}, not in A's log`);
      }
      l.close();
    }
    report('cross-tenant sockets', { handshakes: refused.length, events_checked: listeners.reduce((n, l) => n + l.events.length, 0), leaks: leaks.length });
    expect(leaks).toEqual([]);
  });

  it('forces row-level security on every tenant table and confines the app role to its tenant', async () => {
    const { rows: tables } = await admin.query(`
      SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`);
    expect(tables.length).toBeGreaterThanOrEqual(11);
    const unforced = tables.filter((t) => !t.enabled || !t.forced || Number(t.policies) === 0).map((t) => t.name);
    expect(unforced).toEqual([]);
    const role = gym.server.deps.db.appRole;
    const { rows: [r] } = await admin.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1', [role]);
    expect(r).toEqual({ rolsuper: false, rolbypassrls: false });

    // As the app role: nothing without a tenant, only A's rows with A, and no row of B written from A.
    const seen: string[] = [];
    for (const { name } of tables) {
      probes += 3;
      await admin.query('BEGIN');
      try {
        await admin.query(`SET LOCAL ROLE ${role}`);
        const none = await admin.query(`SELECT count(*)::int AS n FROM ${name}`);
        if (none.rows[0].n !== 0) seen.push(`${name}: ${none.rows[0].n} rows without a tenant`);
        await admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [A]);
        const foreign = await admin.query(`SELECT count(*)::int AS n FROM ${name} WHERE tenant_id IS DISTINCT FROM $1`, [A]);
        if (foreign.rows[0].n !== 0) seen.push(`${name}: ${foreign.rows[0].n} rows of another tenant seen from A`);
        // Append-only tables (audit_log) refuse any update outright, which is stricter still.
        const moved = await admin.query(`UPDATE ${name} SET tenant_id = tenant_id WHERE tenant_id = $1`, [B])
          .catch((err: { code?: string }) => (err.code === '42501' ? { rowCount: 0 } : Promise.reject(err)));
        if (moved.rowCount) seen.push(`${name}: ${moved.rowCount} rows of B updated from A`);
      } finally {
        await admin.query('ROLLBACK');
      }
    }
    // Writing a row for B from A's context is refused by the policy's WITH CHECK.
    await admin.query('BEGIN');
    try {
      await admin.query(`SET LOCAL ROLE ${role}`);
      await admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [A]);
      await expect(admin.query(`INSERT INTO gym_areas (tenant_id, name_en, name_el, capacity) VALUES ($1, 'x', 'x', 1)`, [B])).rejects.toMatchObject({ code: '42501' });
    } finally {
      await admin.query('ROLLBACK');
    }
    probes++;
    report('row-level security', { tenant_tables: tables.length, unforced: unforced.length, violations: seen.length });
    expect(seen).toEqual([]);
  });

  it("answers constraint errors about B's rows exactly as about rows that do not exist", async () => {
    const role = gym.server.deps.db.appRole;
    const aUser = gym.users.member;
    const aArea = (await gym.areas('demo'))[0]!.id;
    const aProgram = (await gym.server.deps.uow.inTenant(A, ({ trx }) => trx('workout_programs').first('id'))).id;
    const attempts: Array<[string, string, (id: string) => unknown[]]> = [
      ['visit of B user', `INSERT INTO visits (tenant_id, user_id, gym_area_id, source) VALUES ($1, $2, $3, 'staff')`, (id) => [A, id, aArea]],
      ['visit in B area', `INSERT INTO visits (tenant_id, user_id, gym_area_id, source) VALUES ($1, $2, $3, 'staff')`, (id) => [A, aUser, id]],
      ['session of B program', `INSERT INTO workout_sessions (tenant_id, user_id, program_id) VALUES ($1, $2, $3)`, (id) => [A, aUser, id]],
      ['display token by B user', `INSERT INTO display_tokens (tenant_id, name, token_hash, created_by) VALUES ($1, 'x', md5(random()::text), $2)`, (id) => [A, id]],
      ['waitlist entry of B user', `INSERT INTO waitlist_entries (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, price_cents, position) VALUES ($1, $2, $3, '2030-01-01', '10:00', 60, '2030-01-01T08:00Z', '2030-01-01T09:00Z', 0, 1)`, (id) => [A, id, aArea]],
      ['waitlist entry in B area', `INSERT INTO waitlist_entries (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, price_cents, position) VALUES ($1, $2, $3, '2030-01-01', '10:00', 60, '2030-01-01T08:00Z', '2030-01-01T09:00Z', 0, 1)`, (id) => [A, aUser, id]],
      ['API key by B user', `INSERT INTO api_keys (tenant_id, name, prefix, token_hash, scopes, created_by) VALUES ($1, 'x', 'gf_live_xxxxxx', encode(sha256(random()::text::bytea), 'hex'), '["occupancy:read"]', $2)`, (id) => [A, id]],
      ['booking for B user', `INSERT INTO bookings (tenant_id, user_id, gym_area_id, booking_date, start_time, duration, starts_at, ends_at, place, price_cents) VALUES ($1, $2, $3, '2030-01-01', '10:00', 60, '2030-01-01T08:00Z', '2030-01-01T09:00Z', 1, 0)`, (id) => [A, id, aArea]],
      ['delivery of B webhook', `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_type, message_id, attempt, outcome, latency_ms) VALUES ($1, $2, 'occupancy', 'x', 1, 'test', 0)`, (id) => [A, id]],
    ];
    const real: Record<string, string> = { 'waitlist entry of B user': b.member!, 'waitlist entry in B area': b.area!, 'visit of B user': b.member!, 'visit in B area': b.area!, 'session of B program': b.program!, 'display token by B user': b.member!, 'API key by B user': b.member!, 'booking for B user': b.member!, 'delivery of B webhook': b.webhook! };
    const differences: string[] = [];
    const attempt = async (sql: string, params: unknown[]) => {
      await admin.query('BEGIN');
      try {
        await admin.query(`SET LOCAL ROLE ${role}`);
        await admin.query(`SELECT set_config('app.tenant_id', $1, true)`, [A]);
        await admin.query(sql, params);
        return 'accepted';
      } catch (err) {
        const e = err as { code?: string; constraint?: string; message: string; detail?: string };
        // The values in the detail are the ones the statement gave; what matters is that nothing else differs.
        return `${e.code} ${e.constraint} ${e.message}`;
      } finally {
        await admin.query('ROLLBACK');
      }
    };
    void aProgram;
    for (const [name, sql, params] of attempts) {
      probes += 2;
      const aboutB = await attempt(sql, params(real[name]!));
      const aboutNothing = await attempt(sql, params(randomUUID()));
      if (aboutB === 'accepted' || aboutB !== aboutNothing) differences.push(`${name}: ${aboutB} vs ${aboutNothing}`);
    }
    report('constraint errors', { attempts: attempts.length, differences: differences.length, probes_total: probes });
    expect(differences).toEqual([]);
  });
});
