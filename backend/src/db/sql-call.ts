/**
 * A database function call written out as SQL text, for the statements that travel without bindings
 * (a unit of work's single round trip, db/unit-of-work.ts). Every value becomes a literal whose type
 * PostgreSQL takes from the function's parameter, so a function with one signature needs no casts.
 */
import { sqlLiteral } from './knex-clients.js';

export type SqlValue = string | number | boolean | Date | null | undefined | { json: unknown };

function literal(value: SqlValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return sqlLiteral(value.toISOString());
  if (typeof value === 'string') return sqlLiteral(value);
  return sqlLiteral(JSON.stringify(value.json));
}

/** `select name(v1, v2, …) as result`. */
export function selectCall(name: string, args: readonly SqlValue[]): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a function name: ${name}`);
  return `select ${name}(${args.map(literal).join(', ')}) as result`;
}
