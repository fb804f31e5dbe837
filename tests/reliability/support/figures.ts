/**
 * Every reliability test reports its figures: one console line per test, and one JSON line appended to
 * RELIABILITY_FIGURES (default: a file in the OS temp folder) so RELIABILITY.md can be written from a run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIGURES_FILE = process.env.RELIABILITY_FIGURES ?? path.join(os.tmpdir(), 'gymflow-reliability-figures.jsonl');

export function report(name: string, figures: Record<string, number | string | boolean>): void {
  const line = Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`[reliability] ${name}: ${line}`);
  try {
    fs.appendFileSync(FIGURES_FILE, JSON.stringify({ at: new Date().toISOString(), name, ...figures }) + '\n');
  } catch {
    // The console line is the report; the file is a convenience.
  }
}

/** Deterministic but different per run unless RELIABILITY_SEED is given (printed with the figures). */
export const SEED = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A small seeded generator (mulberry32) for the load generators. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
