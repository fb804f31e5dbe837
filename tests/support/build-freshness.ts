/**
 * Whether a build output is older than its sources, for the suites that build before they run: the
 * browser tests (the web app in dist/frontend) and the bench (the server in dist/backend).
 */
import fs from 'node:fs';
import path from 'node:path';

function newestMtime(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(file, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(path.join(file, entry.name)));
  }
  return newest;
}

/** True when `built` (from `root`) is missing or not newer than every file under `sources` (from `root`). */
export function isStale(root: string, built: string, sources: readonly string[]): boolean {
  const output = path.join(root, built);
  if (!fs.existsSync(output)) return true;
  return fs.statSync(output).mtimeMs <= Math.max(...sources.map((source) => newestMtime(path.join(root, source))));
}
