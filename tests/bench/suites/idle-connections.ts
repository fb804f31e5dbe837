/**
 * How many idle authenticated connections one deployment holds, what each costs in server memory, and
 * how fast they connect. Clients are added in chunks towards the cap; before each chunk the open file
 * descriptors of every server worker are read in /proc against its open-file limit, and the chunk is cut
 * to the room left (a worker that runs out of descriptors stops taking connections: the handshake
 * times out), so a run that cannot reach the cap says which limit stopped it instead of failing.
 */
import fs from 'node:fs';
import type { ClientFleet } from '../lib/client-fleet.js';
import { fileLimitOf } from '../lib/file-limits.js';
import { descendants, sleep, treeCpuSeconds, treeRss } from '../lib/proc.js';
import { progress } from '../lib/progress.js';
import { spreadOf, type Target } from './broadcast.js';

export interface IdleResult {
  /** Connections open and alive after the hold period. */
  held: number;
  attempted: number;
  dropped: number;
  bytesPerConnection: number;
  stoppedBy: string;
  spread: number[];
  /** Connections per second while ramping: all connected ÷ the sum of each chunk's first attempt → last ack. */
  connectPerSecond: number;
  chunkRates: number[];
  /**
   * CPU time per connection while ramping, of the server's processes (primary and workers) and of the
   * load clients: on this shared machine both take from the same cores, so they bound the rate together.
   */
  serverCpuMsPerConnect: number;
  clientCpuMsPerConnect: number;
  /** Open-file limit of the server workers and of the load-client processes (read in /proc). */
  workerFileLimits: number[];
  clientFileLimits: number[];
  /** Descriptors each server worker had open at the end of the hold. */
  workerFds: number[];
  /** RSS of all load-client processes at the hold, and what the machine still had available. */
  clientRssBytes: number;
  memAvailableBytes: number;
  /** A few more connects past the open-file limit, to record what a client then sees. */
  probe?: { tried: number; failed: number; errors: Record<string, number> };
}

/** Descriptors a worker keeps free for its own database, Redis and log files. */
const FD_MARGIN = 150;

const openFds = (pid: number) => {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};

function memAvailable(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Connections the workers can still take: node's cluster hands them out in turn, so the fullest bounds them. */
function workerRoom(target: Target): { room: number; limits: number[]; fds: number[] } {
  const workers = descendants(target.pid);
  const limits = workers.map((pid) => fileLimitOf(pid));
  const fds = workers.map(openFds);
  const least = Math.min(...workers.map((_, i) => limits[i]! - fds[i]! - FD_MARGIN));
  return { room: Math.max(0, least) * workers.length, limits, fds };
}

export async function holdIdle(
  fleet: ClientFleet,
  target: Target,
  options: {
    label: string; cap: number; chunk: number; holdMs: number; idleRssBytes: number; inFlight: number;
    sourceAddresses: (n: number) => string[];
    /** Try this many connects past the limit when it stopped the ramp (a server thrown away after). */
    probePastLimit?: number;
  },
): Promise<IdleResult> {
  let stoppedBy = `the cap of ${options.cap.toLocaleString('en-US')}`;
  let limitReached = false;
  let attempted = (await fleet.status()).open;
  let connectedInRamp = 0;
  let rampMs = 0;
  const chunkRates: number[] = [];
  let serverCpu = 0;
  let clientCpu = 0;
  const clientsCpu = () => fleet.pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
  while (attempted < options.cap) {
    const { room, limits, fds } = workerRoom(target);
    if (room < Math.min(500, options.cap - attempted)) {
      limitReached = true;
      stoppedBy = `the open-file limit (${[...new Set(limits)].map((l) => l.toLocaleString('en-US')).join(', ')} per process; the workers hold ${fds.map((n) => n.toLocaleString('en-US')).join(' + ')} descriptors)`;
      break;
    }
    const add = Math.min(options.chunk, options.cap - attempted, room);
    const before = (await fleet.status()).open;
    const cpuBefore = [treeCpuSeconds(target.pid), clientsCpu()] as const;
    const res = await fleet.connect(
      add,
      { url: target.url, nsp: target.nsp, tokens: target.tokens, sourceAddresses: options.sourceAddresses(Math.ceil(add / 2000) + fleet.size), inFlight: options.inFlight },
      (c, f) => progress(`${options.label}: idle clients ${(before + c).toLocaleString('en-US')}${f ? ` (${f} failed)` : ''}, aiming at ${options.cap.toLocaleString('en-US')}`),
    );
    serverCpu += treeCpuSeconds(target.pid) - cpuBefore[0];
    clientCpu += clientsCpu() - cpuBefore[1];
    attempted += add;
    connectedInRamp += res.connected;
    rampMs += res.rampMs;
    if (res.rampMs > 0) chunkRates.push(res.connected / (res.rampMs / 1000));
    if (res.failed > add / 1000) {
      const top = Object.entries(res.errors).sort((a, b) => b[1] - a[1])[0];
      stoppedBy = `${res.failed} failed connects (${top?.[0]})`;
      break;
    }
  }
  const holdUntil = Date.now() + options.holdMs;
  while (Date.now() < holdUntil) {
    const s = await fleet.status();
    progress(`${options.label}: holding ${s.open.toLocaleString('en-US')} idle clients (${Math.ceil((holdUntil - Date.now()) / 1000)} s left)`);
    await sleep(500);
  }
  const status = await fleet.status();
  const rss = treeRss(target.pid);
  const clientRssBytes = fleet.pids.reduce((sum, pid) => sum + treeRss(pid), 0);
  const result: IdleResult = {
    held: status.open,
    attempted,
    dropped: status.dropped,
    bytesPerConnection: status.open ? (rss - options.idleRssBytes) / status.open : NaN,
    stoppedBy,
    spread: spreadOf(target),
    connectPerSecond: rampMs > 0 ? connectedInRamp / (rampMs / 1000) : NaN,
    chunkRates,
    serverCpuMsPerConnect: connectedInRamp ? (serverCpu * 1000) / connectedInRamp : NaN,
    clientCpuMsPerConnect: connectedInRamp ? (clientCpu * 1000) / connectedInRamp : NaN,
    workerFileLimits: workerRoom(target).limits,
    clientFileLimits: fleet.pids.map((pid) => fileLimitOf(pid)),
    workerFds: descendants(target.pid).map(openFds),
    clientRssBytes,
    memAvailableBytes: memAvailable(),
  };
  if (limitReached && options.probePastLimit) {
    progress(`${options.label}: ${options.probePastLimit} more connects past the open-file limit`);
    const res = await fleet.connect(options.probePastLimit, {
      url: target.url, nsp: target.nsp, tokens: target.tokens, sourceAddresses: options.sourceAddresses(fleet.size), inFlight: 256, attempts: 1, handshakeTimeoutMs: 3000,
    });
    result.probe = { tried: options.probePastLimit, failed: res.failed, errors: res.errors };
  }
  return result;
}
