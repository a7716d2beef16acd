import type { Context } from '../context.js';
import { inLocale } from '../i18n/index.js';

/** Picks the Chinese or English column for the request's locale. */
export function localized(ctx: Context, zh: string, en: string): string {
  return inLocale({ zh, en }, ctx.locale);
}
