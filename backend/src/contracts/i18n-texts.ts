/** A feature's texts (contracts/locales/<feature>.ts): both languages side by side, the Greek with exactly the English keys. */
export function defineTexts<const E extends Record<string, string>>(texts: { en: E; el: Record<keyof E, string> }) {
  return texts;
}
