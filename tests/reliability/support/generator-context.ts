/** The malformed-input generator's view of a running demo tenant. */
import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../../../backend/src/modules/auth/tokens.js';
import { WebClient } from '../../support/auth.js';
import type { GymFixture } from '../../support/gym.js';
import type { GeneratorContext } from './malformed.js';
import { operations } from './openapi.js';
import { raw } from './raw-http.js';

/** The generator's view of a running demo tenant: fresh tokens per request, real ids for paths. */
export async function generatorFor(gym: GymFixture): Promise<GeneratorContext> {
  const doc = (await raw(gym.url, { method: 'GET', path: '/api/openapi.json' })).json;
  const uow = gym.server.deps.uow;
  const ids = await uow.inTenant(gym.demo, async ({ trx }) => ({
    areas: await trx('gym_areas').pluck('id'),
    programs: await trx('workout_programs').pluck('id'),
    members: await trx('users').where({ role: 'member' }).pluck('id'),
    bookings: await trx('bookings').pluck('id'),
  }));
  const owner = await uow.inTenant(gym.demo, ({ trx }) => trx('users').where({ role: 'owner' }).first('id', 'username'));
  const web = new WebClient(gym.url);
  await web.login('demo', 'member', 'member123');
  // Each request gets a token of its own family, so a generated logout ends only that one.
  const mint = (role: 'owner' | 'member', sub: string, usr: string) =>
    signAccessToken(gym.server.config.jwt, { sub, tid: gym.demo, role, usr, loc: 'en', fam: randomUUID() }).token;
  return {
    doc,
    ops: operations(doc),
    auth: (i): Record<string, string> => {
      const k = i % 10;
      if (k < 5) return { authorization: `Bearer ${mint('owner', owner.id, owner.username)}` };
      if (k < 7) return { authorization: `Bearer ${mint('member', gym.users.member, 'member')}` };
      if (k < 8) return { authorization: `Bearer ${gym.tokens.display}` };
      if (k < 9) return { cookie: web.cookieHeader, 'x-csrf-token': web.csrf! };
      return {};
    },
    realId: (template) => {
      const list = template.startsWith('/api/programs') ? ids.programs : template.startsWith('/api/members') ? ids.members
        : template.startsWith('/api/bookings') ? ids.bookings : ids.areas;
      return list[Math.floor(Math.random() * list.length)];
    },
  };
}

