/**
 * A running server with the demo gyms signed in, for the gym-domain API tests: tokens for every demo
 * role of `demo` and the owner of `olympia` (another tenant), a display token, and direct access to the
 * tenant-scoped unit of work for arranging data the API does not create.
 */
import { login } from './auth.js';
import { factories, type Factories } from './factories.js';
import { api, startTestServer, type ApiResponse, type Driver, type TestServer } from './test-server.js';
import { randomUUID } from 'node:crypto';
import { newOpaqueToken, signAccessToken } from '../../backend/src/modules/auth/tokens.js';

export interface GymFixture {
  server: TestServer;
  url: string;
  demo: string;
  olympia: string;
  tokens: { owner: string; trainer: string; member: string; member2: string; olympiaOwner: string; olympiaMember: string; display: string };
  users: { owner: string; trainer: string; member: string; member2: string; olympiaMember: string };
  f: Factories;
  areas(tenant?: 'demo' | 'olympia'): Promise<Array<{ id: string; name_en: string; is_bookable: boolean; booking_capacity: number; capacity: number; slot_minutes: number; price_per_hour_cents: number }>>;
  /** A new person in the tenant (default demo) with an access token, without a login round trip. */
  person(role?: 'member' | 'trainer' | 'owner', tenant?: 'demo' | 'olympia'): Promise<{ id: string; username: string; token: string }>;
  call<T = any>(method: string, path: string, options?: Parameters<typeof api>[3]): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export async function startGym(options: { driver?: Driver; env?: Record<string, string> } = {}): Promise<GymFixture> {
  const server = await startTestServer({ driver: options.driver ?? 'pg', env: options.env });
  const url = server.url;
  const tenants = await server.deps.uow.inPlatform((trx) => trx('tenants').select('id', 'subdomain'));
  const demo = tenants.find((t) => t.subdomain === 'demo')!.id as string;
  const olympia = tenants.find((t) => t.subdomain === 'olympia')!.id as string;
  const [owner, trainer, member, member2, olympiaOwner, olympiaMember] = await Promise.all([
    login(url, 'demo', 'owner', 'owner123'),
    login(url, 'demo', 'trainer', 'trainer123'),
    login(url, 'demo', 'member', 'member123'),
    login(url, 'demo', 'member2', 'member123'),
    login(url, 'olympia', 'owner', 'owner123'),
    login(url, 'olympia', 'member', 'member123'),
  ]);
  const display = newOpaqueToken('dt1', demo);
  await server.deps.uow.inTenant(demo, ({ trx }) => trx('display_tokens').insert({ tenant_id: demo, name: 'Wall', token_hash: display.hash }));
  return {
    server,
    url,
    demo,
    olympia,
    tokens: {
      owner: owner.access_token, trainer: trainer.access_token, member: member.access_token, member2: member2.access_token,
      olympiaOwner: olympiaOwner.access_token, olympiaMember: olympiaMember.access_token, display: display.token,
    },
    users: { owner: owner.user.id, trainer: trainer.user.id, member: member.user.id, member2: member2.user.id, olympiaMember: olympiaMember.user.id },
    f: factories(server.deps.db, server.deps.uow),
    areas: (tenant = 'demo') =>
      server.deps.uow.inTenant(tenant === 'demo' ? demo : olympia, ({ trx }) => trx('gym_areas').select('*').orderBy('name_en')),
    async person(role = 'member', tenant = 'demo') {
      const user = await factories(server.deps.db, server.deps.uow).user(tenant === 'demo' ? demo : olympia, { role });
      const { token } = signAccessToken(server.config.jwt, {
        sub: user.id, tid: tenant === 'demo' ? demo : olympia, role, usr: user.username, loc: 'en', fam: randomUUID(),
      });
      return { id: user.id, username: user.username, token };
    },
    call: (method, path, opts) => api(url, method, path, opts),
    stop: () => server.stop(),
  };
}

/** Today's date in Europe/Athens (the demo tenants' zone) shifted by `days`. */
export function athensDate(days = 0): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Athens', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
