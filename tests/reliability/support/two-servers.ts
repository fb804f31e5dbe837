/**
 * The gym fixture plus a second server process-in-process on the SAME database: two app instances with
 * their own connection pools, like two cluster workers, for races and idempotency across workers.
 */
import { startServer, type RunningServer } from '../../../backend/src/server.js';
import { startGym, type GymFixture } from '../../support/gym.js';

export interface TwoServers {
  gym: GymFixture;
  second: RunningServer;
  /** The URL of instance i % 2. */
  url(i: number): string;
  stop(): Promise<void>;
}

export async function startTwoServers(): Promise<TwoServers> {
  const gym = await startGym();
  const second = await startServer(gym.server.config, { migrate: false, seed: false });
  return {
    gym,
    second,
    url: (i) => (i % 2 === 0 ? gym.url : second.url),
    async stop() {
      await second.close();
      await gym.stop();
    },
  };
}
