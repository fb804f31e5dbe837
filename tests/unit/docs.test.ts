/**
 * docs/ says what the code does: the shapes pages are what the schemas render, and the contract pages
 * name every error code, every event and every handshake refusal there is. (That docs/http-endpoints.md
 * names every route is checked against the mounted routes, in tests/api/openapi.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../backend/src/contracts/envelope.js';
import { eventPayloadSchemas } from '../../backend/src/contracts/event-schemas.js';
import { CONNECT_ERRORS } from '../../backend/src/contracts/events.js';
import { renderShapes } from '../../scripts/docs-shapes.js';

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');
const read = (page: string) => fs.readFileSync(path.join(DOCS, page), 'utf8');

describe('the contract documents', () => {
  it.each(['shapes.md', 'shapes-admin.md'] as const)('%s is what the schemas render (npx tsx scripts/docs-shapes.ts)', (page) => {
    expect(read(page)).toBe(renderShapes(page));
  });

  it('names every error code in the HTTP contract', () => {
    const text = read('http-api.md');
    expect(ERROR_CODES.filter((code) => !text.includes(`\`${code}\``))).toEqual([]);
  });

  it('names every event and every refusal of a handshake in the real-time contract', () => {
    const text = read('realtime.md');
    expect(Object.keys(eventPayloadSchemas).filter((type) => !text.includes(`\`${type}\``))).toEqual([]);
    expect(Object.values(CONNECT_ERRORS).filter((message) => !text.includes(`\`${message}\``))).toEqual([]);
  });

  it('links every page from the index', () => {
    const index = read('README.md');
    const pages = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(pages.filter((page) => !index.includes(`(${page})`))).toEqual([]);
  });
});
