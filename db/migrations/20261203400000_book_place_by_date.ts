import type { Knex } from 'knex';
import { runScript } from './sql.js';
import { bookPlace } from './20261203100000_money_in_cents.js';

/**
 * book_place() looked for free places among every confirmed booking the area ever had: the planner
 * took the (tenant, area, date) index without the date and filtered the area's whole history by
 * period, so each booking cost more the longer a gym ran. A booking lasts at most a day (its CHECK) and
 * `booking_date` is the local date of its start, so only bookings dated the day before to the day after
 * can overlap the slot: naming that range puts the date in the index condition. The exclusion
 * constraint stays the guarantee; the search only picks the place to try.
 */
const SIGNATURE = 'book_place(uuid, uuid, date, time, int, timestamptz, timestamptz, text, uuid, bigint)';

const PLACE_SEARCH = 'b.tenant_id = t AND b.gym_area_id = p_area AND b.place = g';

/** The bookings of the area dated the day before to the day after the slot's (`p_date`): all that can overlap it. */
export const NEAR_DATES = 'b.booking_date BETWEEN p_date - 1 AND p_date + 1';

/** book_place() as this migration leaves it (CREATE FUNCTION …), for the migrations after it to go back to. */
export function bookPlaceByDate(): string {
  const earlier = bookPlace('p_price_cents bigint', 'price_cents', 'p_price_cents');
  if (!earlier.includes(PLACE_SEARCH)) throw new Error('book_place(): the place search to narrow is not in the earlier body');
  return earlier.replace(PLACE_SEARCH, `b.tenant_id = t AND b.gym_area_id = p_area AND ${NEAR_DATES} AND b.place = g`);
}

export async function up(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION ${SIGNATURE};
    ${bookPlaceByDate()}
  `);
}

export async function down(knex: Knex): Promise<void> {
  await runScript(knex, `
    DROP FUNCTION ${SIGNATURE};
    ${bookPlace('p_price_cents bigint', 'price_cents', 'p_price_cents')}
  `);
}
