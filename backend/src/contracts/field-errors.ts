/**
 * One field's problem, as the server sends it in a 400 `invalid_input` (`data.details` is an array of
 * these) and as the web app shows it next to the field. Messages are built from the zod issue's code
 * and limits through the one translation table, so the server and the browser say the same words in
 * the caller's language.
 */
import { isMessageKey, translate, type Locale, type MessageKey } from './i18n.js';

/** `path` is the field's location in the body, e.g. `['exercises', 0, 'name_en']`. */
export interface FieldIssue {
  path: Array<string | number>;
  code: string;
  message: string;
}

/** The parts of a zod (v4) issue the messages use. */
export interface IssueLike {
  code: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  expected?: string;
  divisor?: number;
  keys?: string[];
  values?: unknown[];
}

function messageKey(issue: IssueLike): [MessageKey, Record<string, string | number>] {
  if (isMessageKey(issue.message) && issue.message.startsWith('field.')) return [issue.message, {}];
  const min = Number(issue.minimum);
  const max = Number(issue.maximum);
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return ['field.required', {}];
      return issue.expected === 'number' ? ['field.number', {}] : ['field.invalid', {}];
    case 'too_small':
      if (issue.origin === 'string') return min <= 1 ? ['field.required', {}] : ['field.too_short', { min }];
      if (issue.origin === 'array') return ['field.too_few', { min }];
      return issue.inclusive === false ? ['field.above', { min }] : ['field.too_small', { min }];
    case 'too_big':
      if (issue.origin === 'string') return ['field.too_long', { max }];
      if (issue.origin === 'array') return ['field.too_many', { max }];
      return issue.inclusive === false ? ['field.below', { max }] : ['field.too_big', { max }];
    case 'invalid_format':
      if (issue.format === 'email') return ['field.email', {}];
      if (issue.format === 'uuid' || issue.format === 'guid') return ['field.uuid', {}];
      if (issue.format === 'datetime' || issue.format === 'date') return ['field.date', {}];
      return ['field.format', {}];
    case 'not_multiple_of':
      return ['field.multiple_of', { n: issue.divisor ?? 1 }];
    case 'invalid_value':
      return ['field.one_of', { values: (issue.values ?? []).map(String).join(', ') }];
    case 'unrecognized_keys':
      return ['field.unknown', { keys: (issue.keys ?? []).join(', ') }];
    default:
      return ['field.invalid', {}];
  }
}

export function fieldIssue(locale: Locale, issue: IssueLike): FieldIssue {
  const [key, params] = messageKey(issue);
  return {
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    code: issue.code,
    message: translate(locale, key, params),
  };
}

/** The first message per field, keyed by the dotted path (`exercises.0.name_en`); '' is the whole form. */
export function fieldMessages(issues: ReadonlyArray<Pick<FieldIssue, 'path' | 'message'>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.join('.');
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}
