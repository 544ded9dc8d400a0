// URLs as they are shown (console, live view, dashboard, reports, logs): without the query string and
// the userinfo, which often carry credentials (`?apikey=...`, `https://user:pass@host`). Requests are
// sent with the full URL; only what is displayed goes through here.

/** Marks what was removed, so the reader knows the URL had it. */
export const REDACTED = '***';

/**
 * `url` with its userinfo replaced by ***, its query string by ***, and its fragment dropped. Works on
 * templated URLs too (no parsing: `{{ }}` need not be valid URL syntax). Idempotent.
 */
export function redactUrl(url: string): string {
  let s = url;
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  const q = s.indexOf('?');
  if (q >= 0) s = q === s.length - 1 ? s.slice(0, q) : `${s.slice(0, q)}?${REDACTED}`;
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}
