// One virtual user's cookies (k6's per-VU jar, Locust's per-user session): a tough-cookie CookieJar, so
// domain, path, Secure, HttpOnly, SameSite and public-suffix rules are RFC 6265's as the library applies
// them. Expiry is judged on the engine's clock: `wallAtMs(clockMs)` maps a clock reading to epoch ms
// (fixed once per driver), so a manual clock in tests moves cookies' ages too.
import { CookieJar } from 'tough-cookie';
import type { Cookie } from 'tough-cookie';
import type { RawHeaders } from '../../common/flow/response-view.js';

export class CookieSession {
  /** Made at the first Set-Cookie: a target that sets none costs a flow run nothing. */
  private jar: CookieJar | undefined;
  /** Each stored cookie's expiry, epoch ms, from Max-Age at the time it was set (or Expires). */
  private readonly expiresAtMs = new WeakMap<Cookie, number>();
  private readonly nowMs: () => number;

  /** `nowMs` reads epoch milliseconds on the engine's clock. */
  constructor(nowMs: () => number) {
    this.nowMs = nowMs;
  }

  /** Stores every Set-Cookie of a response to `url`; a cookie the rules refuse is ignored, as a browser does. */
  store(url: string, headers: RawHeaders): void {
    let values: string | readonly string[] | undefined;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'set-cookie') values = v;
    if (values === undefined) return;
    const now = new Date(this.nowMs());
    const jar = (this.jar ??= new CookieJar());
    for (const v of typeof values === 'string' ? [values] : values) {
      let c: Cookie | undefined;
      try {
        c = jar.setCookieSync(v, url, { now, ignoreError: true });
      } catch {
        c = undefined;
      }
      if (c !== undefined) this.expiresAtMs.set(c, c.expiryTime(now) ?? Infinity);
    }
  }

  /** The Cookie header value for a request to `url` (RFC 6265 order), '' when no cookie applies. */
  header(url: string): string {
    if (this.jar === undefined) return '';
    const now = this.nowMs();
    let cookies: Cookie[];
    try {
      cookies = this.jar.getCookiesSync(url, { expire: false, sort: true });
    } catch {
      return '';
    }
    return cookies.filter((c) => (this.expiresAtMs.get(c) ?? Infinity) > now).map((c) => c.cookieString()).join('; ');
  }
}

/**
 * The cookie header a request sends: the scenario's own `cookie` header (any case) first, then the
 * jar's cookies whose names it does not already give (an explicit cookie wins over the jar's of the
 * same name). Changes `headers` in place.
 */
export function addCookieHeader(headers: Record<string, string>, jarCookies: string): void {
  if (jarCookies === '') return;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
  if (key === undefined) {
    headers.cookie = jarCookies;
    return;
  }
  const own = headers[key] as string;
  const named = new Set(own.split(';').map((p) => p.split('=')[0]?.trim() ?? '').filter((n) => n !== ''));
  const extra = jarCookies.split('; ').filter((p) => !named.has(p.split('=')[0] ?? ''));
  headers[key] = extra.length === 0 ? own : own.trim() === '' ? extra.join('; ') : `${own}; ${extra.join('; ')}`;
}
