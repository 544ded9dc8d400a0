// The login API a target serves with `api: true`, for scenario-language tests: it records which account
// logged in and which token each authorized call carried.
//   POST /login        {"user", "password"} -> 200 {"token": "tok-<user>"} (401 for password "bad")
//   GET  /api/items    needs `authorization: Bearer tok-...` -> 200 {"ok": true, "items": [{"id": 7}]}, else 401
//   POST /api/orders   needs the bearer token -> 201 "created"
//   GET  /health       -> 200 "ok"; GET /slow -> 200 after 300 ms (on the target's clock)
//   POST /login-seq    {"user"} -> 200 {"token": "tok-<user>-<n>"}, n counting that user's logins
//   POST /logout       needs the bearer token -> 200 "bye"
//   GET  /flaky        -> 500 to every 10th request to it (the 10th, 20th, ...), else 200: HTTP failures
//   anything else      -> 404 "not found"
import type { IncomingMessage } from 'node:http';

export interface ApiCounts {
  /** Login count by user name. */
  logins: Record<string, number>;
  /** Authorized calls by token. */
  tokens: Record<string, number>;
  /** Requests to /flaky so far (every 10th is answered 500). */
  flaky?: number;
}

const bump = (m: Record<string, number>, k: string): void => { m[k] = (m[k] ?? 0) + 1; };

/**
 * Answers one request of the login API with `end` (the target counts the departure there); `later` runs
 * a function after some ms of the target's clock, cancelled when the target closes.
 */
export function answerApi(req: IncomingMessage, path: string, body: Buffer, counts: ApiCounts, later: (ms: number, fn: () => void) => void, end: (status: number, type: string, text: string) => void): void {
  const json = (status: number, v: unknown): void => end(status, 'application/json', JSON.stringify(v));
  const auth = /^Bearer (tok-\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (req.method === 'POST' && path === '/login') {
    let parsed: { user?: unknown; password?: unknown } = {};
    try { parsed = JSON.parse(body.toString('utf8')) as typeof parsed; } catch { /* 400 below */ }
    if (typeof parsed.user !== 'string') return json(400, { error: 'user missing' });
    if (parsed.password === 'bad') return json(401, { error: 'wrong password' });
    bump(counts.logins, parsed.user);
    return json(200, { token: `tok-${parsed.user}` });
  }
  if (path === '/api/items' || path === '/api/orders') {
    if (auth === undefined) return json(401, { error: 'no token' });
    bump(counts.tokens, auth);
    if (path === '/api/orders') return end(201, 'text/plain', 'created');
    return json(200, { ok: true, items: [{ id: 7 }] });
  }
  // Setup and teardown (setup-teardown.test.ts): a login whose token changes at each login of a user
  // (tok-<user>-<n>, n = that user's logins so far), and a logout (the target's paths() counts them).
  if (req.method === 'POST' && path === '/login-seq') {
    let parsed: { user?: unknown } = {};
    try { parsed = JSON.parse(body.toString('utf8')) as typeof parsed; } catch { /* 400 below */ }
    if (typeof parsed.user !== 'string') return json(400, { error: 'user missing' });
    bump(counts.logins, parsed.user);
    return json(200, { token: `tok-${parsed.user}-${counts.logins[parsed.user] ?? 0}` });
  }
  if (path === '/logout') return auth === undefined ? json(401, { error: 'no token' }) : end(200, 'text/plain', 'bye');
  if (path === '/slow') {
    later(300, () => end(200, 'text/plain', 'slow'));
    return;
  }
  if (path === '/health') return end(200, 'text/plain', 'ok');
  // HTTP failures, deterministic: a count of n requests got floor(n / 10) 500s.
  if (path === '/flaky') {
    counts.flaky = (counts.flaky ?? 0) + 1;
    return counts.flaky % 10 === 0 ? end(500, 'text/plain', 'failed on purpose') : end(200, 'text/plain', 'ok');
  }
  end(404, 'text/plain', 'not found');
}


/**
 * A scenario (YAML) whose one flow POSTs a data row's `user` to a login-API target's /login (`base`: its origin) and checks 200,
 * fed by `FEEDER.csv` (relative to the scenario) in `mode`, under an open load of `rateRps` for `duration`.
 */
export const loginFlow = (name: string, base: string, feeder: string, mode: string, rateRps: number, duration: string): string => `
name: ${name}
variables: { base: "${base}" }
data:
  ${feeder}: { path: ${feeder}.csv, mode: ${mode} }
flows:
  login:
    steps:
      - request:
          name: login
          url: "{{ base }}/login"
          method: POST
          headers: { content-type: application/json }
          body: '{"user": {{ $json(${feeder}.user) }}, "password": "x"}'
        checks: [{ status: 200 }]
load: { model: open, rate: ${rateRps}, duration: ${duration} }
`;

// ---- Sessions by cookie (cookie-jar tests), served with `api: true` beside the login API ----
//   POST /session/login/* -> 200 "in", Set-Cookie: sid=s<n> (a new sid each call; Path=/session, HttpOnly)
//                          and theme=dark (Path=/elsewhere: must never come back to /session/*)
//   GET  /session/me/*  -> 200 "me" with a cookie sid this target issued, else 401 (the rest of the
//                          path names the caller, e.g. /session/me/jar, and keys its counts)

export interface SessionCounts {
  /** Sids issued by /session/login. */
  issued: number;
  /** /session/me/* calls by path, then by the sid they carried ('' for none or one never issued). */
  me: Record<string, Record<string, number>>;
  /** Logins that arrived with a cookie, by path (in a fresh jar per flow run: one carried over from an earlier run). */
  loginsWithCookie: Record<string, number>;
  /** /session/* calls that carried the Path=/elsewhere cookie (a path rule broken). */
  wrongPath: number;
  /** /session/* calls by user-agent header ('' when absent). */
  userAgents: Record<string, number>;
}

export function newSessionCounts(): SessionCounts {
  return { issued: 0, me: {}, loginsWithCookie: {}, wrongPath: 0, userAgents: {} };
}

/** The cookies of a request's cookie header, by name. */
function cookiesOf(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Answers /session/* (true), or leaves the request to the login API (false). */
export function answerSession(req: IncomingMessage, path: string, counts: SessionCounts, end: (status: number, type: string, text: string, headers?: Record<string, string[]>) => void): boolean {
  if (!path.startsWith('/session/')) return false;
  bump(counts.userAgents, req.headers['user-agent'] ?? '');
  const cookies = cookiesOf(req);
  if (cookies.has('theme')) counts.wrongPath++;
  if (req.method === 'POST' && path.startsWith('/session/login/')) {
    if (req.headers.cookie !== undefined) bump(counts.loginsWithCookie, path);
    const sid = `s${++counts.issued}`;
    end(200, 'text/plain', 'in', { 'set-cookie': [`sid=${sid}; Path=/session; HttpOnly`, 'theme=dark; Path=/elsewhere'] });
    return true;
  }
  if (path.startsWith('/session/me/')) {
    const sid = cookies.get('sid');
    const valid = sid !== undefined && /^s\d+$/.test(sid) && Number(sid.slice(1)) <= counts.issued;
    bump(counts.me[path] ??= {}, valid ? sid : '');
    end(valid ? 200 : 401, 'text/plain', valid ? 'me' : 'no session');
    return true;
  }
  end(404, 'text/plain', 'not found');
  return true;
}
