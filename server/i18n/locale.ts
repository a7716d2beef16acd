import type { LocalizedText } from '../domain/index.js';

export type Locale = 'zh-CN' | 'en';

/**
 * zh-CN unless the client prefers English: Chinese universities are the users,
 * so any other language also falls back to Chinese.
 */
export function pickLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return 'zh-CN';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && !Number.isNaN(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** The text in the locale's language; Chinese when the English is missing (optional columns may be empty). */
export function inLocale(text: LocalizedText, locale: Locale): string {
  return locale === 'en' && text.en ? text.en : text.zh;
}

/** Fills `{name}` placeholders; a missing parameter leaves nothing behind. */
export function fillTemplate(template: string, value: (name: string) => string | number | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(value(name) ?? ''));
}
