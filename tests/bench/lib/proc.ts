/**
 * Child processes of the bench (servers and load clients) and what /proc says about them: resident
 * memory of a process tree and which process holds the established connections of a port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isStale } from '../../support/build-freshness.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** The last lines it printed, for error messages. */
  tail(): string;
  /** Warnings and errors it logged (pino levels 40 and up), at most the first 20. */
  problems(): string[];
  /** Resolves when a printed line matches (rejects if the process exits first). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL to it and its descendants (by pid) after a grace period. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The server as production runs it (`npm start`, the Dockerfile): compiled by tsc into dist/, built
 * again when any source is newer. Through tsx every function of the product's own code would carry the
 * name esbuild gives it (a property of its own, ~250 B per closure), which a built server does not.
 */
export function builtServer(): string {
  const entry = 'dist/backend/src/main.js';
  if (isStale(ROOT, entry, ['backend/src', 'db', 'tsconfig.json', 'tsconfig.build.json'])) execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  return entry;
}

/** Every process tree the bench started and has not stopped yet. */
const live = new Set<number>();
/** If the bench dies before its cleanup ran, it takes what it started with it (by pid, never by name). */
export function killAllSpawned(): void {
  for (const root of live) {
    for (const pid of [...descendants(root), root]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  live.clear();
}
process.once('exit', killAllSpawned);

/** Starts an entry point from the repository root: TypeScript through tsx, built JavaScript as it is. */
export function spawnEntry(entry: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeFlags: string[] = []): Spawned {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const problems: string[] = [];
  const keep = (d: Buffer) => {
    for (const l of d.toString().split('\n')) {
      if (!l.trim()) continue;
      lines.push(l);
      if (problems.length < 20 && /"level":(40|50|60)\b/.test(l)) problems.push(l.slice(0, 400));
      for (const w of watchers) w(l);
    }
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  live.add(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    pid: child.pid!,
    tail: () => lines.slice(-30).join('\n'),
    problems: () => [...problems],
    waitForLine(pattern, timeoutMs) {
      if (lines.some((l) => pattern.test(l))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const done = (err?: Error) => {
          watchers.delete(watch);
          clearTimeout(timer);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        };
        const watch = (line: string) => pattern.test(line) && done();
        const onExit = () => done(new Error(`${entry} exited before printing ${pattern}:\n${lines.slice(-30).join('\n')}`));
        const timer = setTimeout(() => done(new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        watchers.add(watch);
        child.once('exit', onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        for (const pid of descendants(child.pid!)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        live.delete(child.pid!);
        return;
      }
      const tree = [child.pid!, ...descendants(child.pid!)];
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exited, timer])) === 'timeout') {
        for (const pid of tree) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        await exited;
      }
      // Workers orphaned by a primary that exited first.
      for (const pid of tree.slice(1)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      live.delete(child.pid!);
    },
  };
}

/** Polls a URL until it answers 2xx. */
export async function waitForHttp(url: string, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (alive && !alive()) throw new Error(`the process behind ${url} exited`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** Every live descendant of a process. */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    if (!byParent.has(ppid)) byParent.set(ppid, []);
    byParent.get(ppid)!.push(pid);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of byParent.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Resident set size in bytes (0 when the process is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Sum of the RSS of a process and all its descendants. */
export function treeRss(root: number): number {
  return [root, ...descendants(root)].reduce((sum, pid) => sum + rssOf(pid), 0);
}

/** Inodes of the ESTABLISHED TCP sockets whose local port is `port` (the server side). */
function establishedInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      if (f[3] === '01' && f[1]!.endsWith(`:${hexPort}`)) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/**
 * How many established server-side connections of `port` each process of the tree holds: tells which
 * worker a client landed on without asking the application.
 */
export function connectionsByProcess(root: number, port: number): Map<number, number> {
  const inodes = establishedInodes(port);
  const out = new Map<number, number>();
  for (const pid of [root, ...descendants(root)]) {
    let n = 0;
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
          const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (link.startsWith('socket:[') && inodes.has(link.slice(8, -1))) n++;
        } catch { /* closed meanwhile */ }
      }
    } catch { /* gone */ }
    out.set(pid, n);
  }
  return out;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));

/** CPU time (user + system) a process has used, in seconds (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of a process and its live descendants. */
export function treeCpuSeconds(root: number): number {
  return [root, ...descendants(root)].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}
