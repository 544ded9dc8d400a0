// The User-Agent both HTTP paths send (http-client.ts, flow-http.ts): `loadfleet/<version>`, unless the
// request names its own user-agent header, in any case, which is then sent as written.
import { loadfleetVersion } from '../../common/runtime/version.js';

/** `loadfleet/<version>`, the default User-Agent. */
export function defaultUserAgent(): string {
  return `loadfleet/${loadfleetVersion()}`;
}

/** `headers` with the default user-agent added when none of its names is user-agent (any case); a new object. */
export function withUserAgent(headers: Readonly<Record<string, string>>): Record<string, string> {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'user-agent') return { ...headers };
  return { ...headers, 'user-agent': defaultUserAgent() };
}
