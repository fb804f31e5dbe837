/**
 * The one translation table, shared by the server (error and success messages) and the frontend
 * (every text on screen). Keys are stable; `{name}` placeholders are filled by `translate`.
 * The tables are in `locales/`: the core texts per language, and a feature's own texts in one file with
 * both languages side by side (`defineTexts` in `i18n-texts.ts`), spread in here.
 */
import { el as coreEl } from './locales/el.js';
import { en as coreEn } from './locales/en.js';
import { forecastTexts } from './locales/forecast.js';
import { apiKeyTexts } from './locales/api-keys.js';
import { waitlistTexts } from './locales/waitlist.js';
import { webhookTexts } from './locales/webhooks.js';

export const LOCALES = ['en', 'el'] as const;
export type Locale = (typeof LOCALES)[number];

const en = { ...coreEn, ...forecastTexts.en, ...waitlistTexts.en, ...apiKeyTexts.en, ...webhookTexts.en };
const el: Record<keyof typeof en, string> = { ...coreEl, ...forecastTexts.el, ...waitlistTexts.el, ...apiKeyTexts.el, ...webhookTexts.el };

export type MessageKey = keyof typeof en;

export const messages: Record<Locale, Record<MessageKey, string>> = { en, el };

export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.hasOwn(en, value);
}

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'el';
}

/** The message for `key` in `locale`, with `{name}` placeholders filled. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = messages[locale][key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}
