/**
 * The UI language. Every visible text comes from the shared translation table (backend/src/contracts/i18n.ts);
 * the choice is remembered per browser and sent with API calls so errors come back in the same language.
 */
import { LOCALES, isLocale, translate, type Locale, type MessageKey } from '$contracts/i18n.js';
import { api } from './api.js';

const STORAGE_KEY = 'gymflow.locale';

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    /* storage may be off (private mode); fall through */
  }
  return navigator.language.toLowerCase().startsWith('el') ? 'el' : 'en';
}

class I18n {
  locale = $state<Locale>(initialLocale());
  /** The gym's IANA time zone: every clock time on screen is the gym's, not the browser's. */
  timeZone = $state<string | undefined>(undefined);
  readonly locales = LOCALES;

  constructor() {
    this.apply();
  }

  /** The text for `key` in the current language. */
  t = (key: MessageKey, params?: Record<string, string | number>): string => translate(this.locale, key, params);

  /** The same text in a given language (the wall display shows both). */
  tIn = (locale: Locale, key: MessageKey, params?: Record<string, string | number>): string => translate(locale, key, params);

  /** The English or Greek name of something that has both. */
  name = (item: { name_en: string; name_el: string } | null | undefined): string =>
    item ? (this.locale === 'el' ? item.name_el || item.name_en : item.name_en || item.name_el) : '';

  set(locale: Locale): void {
    this.locale = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      /* not remembered, still applied */
    }
    this.apply();
  }

  /** Adopts a language the server knows for the user, unless this browser already chose one. */
  adopt(locale: Locale | null | undefined): void {
    let chosen: string | null = null;
    try {
      chosen = localStorage.getItem(STORAGE_KEY);
    } catch {
      /* ignore */
    }
    if (!chosen && isLocale(locale)) this.set(locale);
  }

  private apply(): void {
    api.locale = this.locale;
    document.documentElement.lang = this.locale;
  }

  get intlLocale(): string {
    return this.locale === 'el' ? 'el-GR' : 'en-GB';
  }

  number(value: number, options?: Intl.NumberFormatOptions): string {
    return new Intl.NumberFormat(this.intlLocale, options).format(value);
  }

  money(value: number, currency = 'EUR'): string {
    return new Intl.NumberFormat(this.intlLocale, { style: 'currency', currency }).format(value);
  }

  /** A 'YYYY-MM-DD' date as a short weekday and day. */
  date(iso: string, options: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' }): string {
    const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
    if (!y || !m || !d) return iso;
    return new Intl.DateTimeFormat(this.intlLocale, { ...options, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  }

  time(value: string | Date): string {
    const date = typeof value === 'string' ? new Date(value) : value;
    if (Number.isNaN(date.getTime())) return String(value);
    return new Intl.DateTimeFormat(this.intlLocale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: this.timeZone }).format(date);
  }
}

export const i18n = new I18n();
export const t = i18n.t;
