import type { Context } from '../context.js';

/** Picks the Chinese or English column for the request's locale. */
export function localized(ctx: Context, zh: string, en: string): string {
  return ctx.locale === 'en' && en ? en : zh;
}
