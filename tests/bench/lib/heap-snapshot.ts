/**
 * Heap snapshots of a running server, and what they hold per connection: a snapshot is taken by signal
 * (`--heapsnapshot-signal`) before and after a number of clients connect, and the difference is summed
 * by kind of object (V8's node type and constructor or class name), divided by the clients.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './proc.js';

/** Bytes and count of every kind of object in one snapshot. */
export type HeapKinds = Map<string, { bytes: number; count: number }>;

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

export function heapKinds(file: string): HeapKinds {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as RawSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [width, typeAt, nameAt, sizeAt] = [fields.length, fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const kinds: HeapKinds = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings are named by their text and code by its source: one kind each.
    const name = STRING_TYPES.has(type) || type === 'code' ? '' : snap.strings[snap.nodes[i + nameAt]!]!;
    const key = `${type} ${name}`.trim();
    const kind = kinds.get(key) ?? { bytes: 0, count: 0 };
    kind.bytes += snap.nodes[i + sizeAt]!;
    kind.count++;
    kinds.set(key, kind);
  }
  return kinds;
}

/** Signals `pid` to write a snapshot into `dir` and waits until the file is complete. */
export async function snapshotOf(pid: number, dir: string): Promise<string> {
  const before = new Set(fs.readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let lastSize = -1;
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const file = fs.readdirSync(dir).find((f) => !before.has(f) && f.includes(`.${pid}.`) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const full = path.join(dir, file);
    // Complete once it has stopped growing and ends with the JSON's closing brace.
    const size = fs.statSync(full).size;
    const done = size === lastSize && fs.readFileSync(full, 'utf8').trimEnd().endsWith('}');
    lastSize = size;
    if (done) return full;
  }
  throw new Error(`no heap snapshot of ${pid} in ${dir}`);
}

/** Per connection, by kind: bytes and objects that `after` holds beyond `before`. */
export function perConnection(before: HeapKinds, after: HeapKinds, connections: number): Map<string, { bytes: number; count: number }> {
  const out = new Map<string, { bytes: number; count: number }>();
  for (const [key, a] of after) {
    const b = before.get(key) ?? { bytes: 0, count: 0 };
    out.set(key, { bytes: (a.bytes - b.bytes) / connections, count: (a.count - b.count) / connections });
  }
  return out;
}
