/**
 * Open-file limits: each socket is a file descriptor, so 100,000 connections need limits far above the
 * usual 20,000. As root the bench raises its own soft and hard limit with prlimit(1) before it starts
 * anything; every process it spawns (the product's primary and workers, the bare servers, the load
 * clients) inherits the limit at fork, which `fileLimitOf` lets the run check in /proc.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** The soft open-file limit of a process (1024 when /proc cannot say). */
export function fileLimitOf(pid: number | 'self'): number {
  try {
    return Number(/Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] ?? 1024);
  } catch {
    return 1024;
  }
}

/**
 * Raises this process's open-file limit to `wanted` (soft and hard) when it is lower; raising the hard
 * limit needs root (CAP_SYS_RESOURCE) and stays under fs.nr_open. Returns the limit now in force and,
 * when it could not be raised, why.
 */
export function raiseFileLimit(wanted: number): { limit: number; error?: string } {
  const before = fileLimitOf('self');
  if (before >= wanted) return { limit: before };
  let target = wanted;
  try {
    target = Math.min(wanted, Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()));
  } catch { /* not Linux: prlimit fails below */ }
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${target}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { limit: fileLimitOf('self'), error: `prlimit --nofile=${target}:${target} failed: ${stderr || (err as Error).message}` };
  }
  return { limit: fileLimitOf('self') };
}
