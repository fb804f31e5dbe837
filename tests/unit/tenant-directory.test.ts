/**
 * The tenant directory's cache: bounded (the least recently used gym is read again), dropped at once by
 * a change, and never keeping a read that a change overtook. The database is a stand-in that counts reads.
 */
import { describe, expect, it } from 'vitest';
import { createTenantDirectory } from '../../backend/src/modules/tenants/tenant-directory.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

function directoryOf(max?: number) {
  const status: Record<string, string> = { [A]: 'active', [B]: 'active', [C]: 'active' };
  const reads: string[] = [];
  let hold: Promise<void> | null = null;
  const raw = async (_sql: string, [id]: [string]) => {
    reads.push(id);
    const answer = status[id];
    await hold;
    return { rows: answer ? [{ id, subdomain: `gym-${id.slice(-1)}`, subscription_status: answer, subscription_plan: 'pro' }] : [] };
  };
  const db = { knex: { raw } } as unknown as Parameters<typeof createTenantDirectory>[0]['db'];
  const directory = createTenantDirectory({ db }, { max });
  return { directory, status, reads, holdReads: (until: Promise<void>) => void (hold = until) };
}

describe('tenant directory', () => {
  it('holds at most its maximum of gyms, reading the least recently used again', async () => {
    const { directory, reads } = directoryOf(2);
    await directory.brief(A);
    await directory.brief(B);
    await directory.brief(A); // A is now the more recent of the two
    await directory.brief(C);
    expect(directory.size).toBe(2);
    expect(reads).toEqual([A, B, C]);
    await directory.brief(A);
    expect(reads).toEqual([A, B, C]);
    await directory.brief(B);
    expect(reads).toEqual([A, B, C, B]);
  });

  it('answers a change at once after forget, and keeps no unknown gym', async () => {
    const { directory, status, reads } = directoryOf();
    expect((await directory.brief(A))?.status).toBe('active');
    status[A] = 'suspended';
    expect((await directory.brief(A))?.status).toBe('active');
    directory.forget(A);
    expect((await directory.brief(A))?.status).toBe('suspended');
    delete status[B];
    expect(await directory.brief(B)).toBeUndefined();
    expect(await directory.brief(B)).toBeUndefined();
    expect(reads.filter((id) => id === B)).toHaveLength(2);
  });

  it('does not keep a read that a change overtook', async () => {
    const { directory, status, holdReads } = directoryOf();
    let release!: () => void;
    holdReads(new Promise<void>((r) => (release = r)));
    const inFlight = directory.brief(A); // read as active, answered after the suspension below
    status[A] = 'suspended';
    directory.forget(A);
    release();
    expect((await inFlight)?.status).toBe('active');
    expect((await directory.brief(A))?.status).toBe('suspended');
  });
});
