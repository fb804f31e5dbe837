/**
 * Writes docs/shapes.md and docs/shapes-admin.md, the answers' shapes as tables, from the zod schemas
 * in backend/src/contracts/ (`npx tsx scripts/docs-shapes.ts`). tests/unit/docs.test.ts fails when a
 * page differs from what this renders, so the pages always say what the server sends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z, type ZodType } from 'zod';
import { PAGES } from './docs-shapes-list.js';

/** The parts of a JSON Schema (as zod writes it) that the pages show. */
interface Json {
  $ref?: string;
  $defs?: Record<string, Json>;
  anyOf?: Json[];
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  items?: Json;
  properties?: Record<string, Json>;
  required?: string[];
  description?: string;
}
interface Row { field: string; type: string; notes: string }

const DOCS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../docs');
export type ShapesPage = keyof typeof PAGES;

function clock(pattern: string): string | null {
  if (pattern.includes('24:00')) return '`HH:MM` (or `24:00`)';
  if (pattern.endsWith(':00$')) return '`HH:00`';
  if (/:\[0-5\]\\d\$$/.test(pattern)) return '`HH:MM`';
  return null;
}

function typeOf(s: Json): string {
  if (s.$ref) return `*${s.$ref.split('/').at(-1) ?? ''}*`;
  if (s.anyOf) {
    const others = s.anyOf.filter((o) => o.type !== 'null');
    const nullable = others.length < s.anyOf.length;
    return others.map(typeOf).join(' or ') + (nullable ? ' or `null`' : '');
  }
  if (Array.isArray(s.type)) {
    const others = s.type.filter((t) => t !== 'null');
    return others.map((type) => typeOf({ ...s, type })).join(' or ') + (others.length < s.type.length ? ' or `null`' : '');
  }
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  switch (s.type) {
    case 'string':
      if (s.format === 'date-time') return 'instant';
      if (s.format === 'date') return 'date';
      if (s.format === 'uuid') return 'uuid';
      return (s.pattern && clock(s.pattern)) ?? 'string';
    case 'integer': return 'integer';
    case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'array': return `list of ${typeOf(s.items ?? {})}`;
    case 'object': return s.properties ? 'object' : 'object (any keys)';
    default: return 'any';
  }
}

/** One row per field; the fields of inline objects follow as `parent.child`. */
function rows(s: Json, prefix = ''): Row[] {
  const out: Row[] = [];
  const required = new Set<string>(s.required ?? []);
  for (const [key, field] of Object.entries(s.properties ?? {})) {
    const name = prefix + key;
    const notes = [required.has(key) ? '' : 'optional', field.description ?? ''].filter(Boolean).join('; ');
    out.push({ field: `\`${name}\``, type: typeOf(field), notes });
    const inner = field.type === 'object' ? field
      : field.type === 'array' && field.items?.type === 'object' ? field.items
        : field.anyOf?.find((o) => o.type === 'object');
    if (inner?.properties) out.push(...rows(inner, `${name}${field.type === 'array' ? '[]' : ''}.`));
  }
  return out;
}

function definition(schema: ZodType): Json {
  const doc = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Json;
  const ref = doc.$ref?.split('/').at(-1);
  return (ref && doc.$defs?.[ref]) || doc;
}

export function renderShapes(page: ShapesPage): string {
  const { title, shapes } = PAGES[page];
  const other = page === 'shapes.md' ? 'shapes-admin.md' : 'shapes.md';
  const parts = [
    `# ${title}`,
    '',
    'The `data` of the API\'s answers, field by field, generated from the zod schemas in',
    '`backend/src/contracts/` by `scripts/docs-shapes.ts` (a test fails when this page is not what the',
    'schemas say). Every field listed is always sent unless it is marked optional; a `null` is sent as',
    '`null`. An instant is ISO 8601 in UTC, a date `YYYY-MM-DD` in the gym\'s time zone, an amount a',
    'decimal number with at most two digits in the gym\'s currency. [http-endpoints.md](http-endpoints.md)',
    `says which endpoint answers which shape; the other shapes are in [${other}](${other}).`,
  ];
  for (const shape of shapes) {
    const def = definition(shape.schema);
    let list = rows(def);
    parts.push('', `## ${shape.name}`, '', shape.about);
    if (shape.base) {
      const base = new Set(rows(definition(shape.base.schema)).map((r) => `${r.field}|${r.type}|${r.notes}`));
      list = list.filter((r) => !base.has(`${r.field}|${r.type}|${r.notes}`));
      parts.push('', `Everything of *${shape.base.name}*, and:`);
    }
    parts.push('', '| field | type | notes |', '|---|---|---|', ...list.map((r) => `| ${r.field} | ${r.type} | ${r.notes} |`));
  }
  return parts.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const page of Object.keys(PAGES) as ShapesPage[]) {
    fs.writeFileSync(path.join(DOCS, page), renderShapes(page));
    console.log(`wrote docs/${page}`);
  }
}
