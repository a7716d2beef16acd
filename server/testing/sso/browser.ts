/**
 * A browser as far as a redirect sign-in needs one (not a test file): cookies per host with
 * their paths, redirects followed one by one, HTML forms submitted with their hidden fields.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
}

interface StoredCookie {
  value: string;
  path: string;
}

export class TestBrowser {
  /** host → cookie name → cookie. Ports share cookies, as in real browsers. */
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  /** Fetches `url` and follows redirects; stops before fetching any URL that starts with `until` and returns it unfetched. */
  async navigate(url: string, until: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      if (current.startsWith(until)) return { url: current, status: 0, html: '' };
      const response = await this.request(current, request);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        request = {};
        continue;
      }
      return { url: current, status: response.status, html: await response.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** Submits the page's first form with its hidden fields plus `fields`, then follows redirects. */
  submit(page: Page, fields: Record<string, string>, until: string): Promise<Page> {
    const action = /<form[^>]*action="([^"]*)"/i.exec(page.html)?.[1];
    if (!action) throw new Error(`no form on ${page.url} (${page.status}): ${page.html.slice(0, 300)}`);
    const hidden: Record<string, string> = {};
    for (const [input] of page.html.matchAll(/<input[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      const value = /value="([^"]*)"/.exec(input)?.[1];
      if (name && value !== undefined && /type="hidden"/.test(input)) hidden[name] = value;
    }
    return this.navigate(new URL(decodeEntities(action), page.url).href, until, { method: 'POST', form: { ...hidden, ...fields } });
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async request(url: string, { method = 'GET', form }: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return response;
  }

  /** A cookie as stored (for replaying it later, as an attacker holding a copy could). */
  cookie(host: string, name: string): { value: string; path: string } | undefined {
    const cookie = this.jar.get(host)?.get(name);
    return cookie ? { ...cookie } : undefined;
  }

  setCookie(host: string, name: string, cookie: { value: string; path: string }) {
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    this.jar.set(host, cookies);
    cookies.set(name, { ...cookie });
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.hostname) ?? new Map<string, StoredCookie>();
    return [...cookies]
      .filter(([, cookie]) => url.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private store(url: URL, line: string) {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair.indexOf('=');
    const name = pair.slice(0, index);
    const value = pair.slice(index + 1);
    const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const cookies = this.jar.get(url.hostname) ?? new Map<string, StoredCookie>();
    this.jar.set(url.hostname, cookies);
    const maxAge = attribute('max-age');
    const expires = attribute('expires');
    if (maxAge === '0' || (expires && new Date(expires).getTime() < Date.now())) cookies.delete(name);
    else cookies.set(name, { value, path: attribute('path') ?? '/' });
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/gi, '/')
    .replace(/&#47;/g, '/')
    .replace(/&quot;/g, '"');
}
