import type { Database } from './db/client.js';
import type { Logger } from './log.js';

export type Locale = 'zh-CN' | 'en';

/** Long-lived services every request shares. */
export interface Services {
  db: Database;
  log: Logger;
}

/** One context shape for HTTP and graphql-ws operations. */
export interface Context extends Services {
  locale: Locale;
}

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

export function createContext(services: Services, request: { headers: { get(name: string): string | null } } | undefined): Context {
  return { ...services, locale: pickLocale(request?.headers.get('accept-language')) };
}
