// One virtual user's cookie jar (cookie-jar.ts): the RFC 6265 rules as tough-cookie applies them, expiry
// on the engine's clock (a ManualClock here), and how a scenario's own cookie header combines with the jar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCookieHeader, CookieSession } from '../../../../agent/engine/cookie-jar.js';
import { ManualClock } from '../../../helpers/manual-clock.js';

/** A jar on a manual clock that reads epoch 2030-01-01T00:00:00Z at clock 0. */
function jarOnClock(): { jar: CookieSession; clock: ManualClock } {
  const clock = new ManualClock();
  const epoch = Date.UTC(2030, 0, 1);
  return { jar: new CookieSession(() => epoch + clock.nowMs()), clock };
}

test('cookie jar: what comes back where (a table of Set-Cookie, request URL, Cookie header)', () => {
  const rows: { name: string; set: [string, string[]][]; url: string; want: string }[] = [
    // host-only cookie: back to the same host, any path under its default path
    { name: 'same host', set: [['http://api.test/login', ['sid=1']]], url: 'http://api.test/me', want: 'sid=1' },
    { name: 'other host', set: [['http://api.test/login', ['sid=1']]], url: 'http://other.test/me', want: '' },
    // Path scoping: /session covers /session/me, not /other
    { name: 'path inside', set: [['http://api.test/x', ['sid=1; Path=/session']]], url: 'http://api.test/session/me', want: 'sid=1' },
    { name: 'path outside', set: [['http://api.test/x', ['sid=1; Path=/session']]], url: 'http://api.test/other', want: '' },
    // Domain: a parent domain's cookie reaches its subdomains
    { name: 'domain cookie to a subdomain', set: [['http://www.api.test/', ['d=1; Domain=api.test']]], url: 'http://img.api.test/', want: 'd=1' },
    // Secure: never over plain http to a non-local host
    { name: 'secure over http', set: [['https://api.test/', ['s=1; Secure']]], url: 'http://api.test/', want: '' },
    { name: 'secure over https', set: [['https://api.test/', ['s=1; Secure']]], url: 'https://api.test/', want: 's=1' },
    // HttpOnly is sent by an HTTP client
    { name: 'httponly', set: [['http://api.test/', ['h=1; HttpOnly']]], url: 'http://api.test/', want: 'h=1' },
    // a later Set-Cookie of the same name replaces the earlier one; two cookies in one response both stored
    { name: 'replace and several', set: [['http://api.test/', ['a=1', 'b=2']], ['http://api.test/', ['a=3']]], url: 'http://api.test/', want: 'a=3; b=2' },
    // a cookie for a public suffix is refused (the library's list)
    { name: 'public suffix refused', set: [['http://x.co.uk/', ['p=1; Domain=co.uk']]], url: 'http://y.co.uk/', want: '' },
    // garbage is ignored, never thrown
    { name: 'malformed', set: [['http://api.test/', ['=;;']]], url: 'http://api.test/', want: '' },
  ];
  for (const row of rows) {
    const { jar } = jarOnClock();
    for (const [url, values] of row.set) jar.store(url, { 'Set-Cookie': values });
    assert.equal(jar.header(row.url), row.want, row.name);
  }
});

test('cookie jar: Max-Age and Expires are judged on the engine\'s clock; Max-Age=0 deletes', () => {
  const { jar, clock } = jarOnClock();
  jar.store('http://api.test/', { 'set-cookie': ['short=1; Max-Age=2', `long=1; Expires=${new Date(Date.UTC(2030, 0, 1, 0, 0, 5)).toUTCString()}`, 'forever=1'] });
  assert.equal(jar.header('http://api.test/'), 'short=1; long=1; forever=1');
  clock.advance(1999);
  assert.equal(jar.header('http://api.test/'), 'short=1; long=1; forever=1', 'Max-Age=2 still valid at 1.999 s');
  clock.advance(1);
  assert.equal(jar.header('http://api.test/'), 'long=1; forever=1', 'Max-Age=2 expired at 2 s');
  clock.advance(3000);
  assert.equal(jar.header('http://api.test/'), 'forever=1', 'Expires passed at 5 s');
  jar.store('http://api.test/', { 'set-cookie': 'forever=0; Max-Age=0' });
  assert.equal(jar.header('http://api.test/'), '', 'Max-Age=0 removes it');
});

test('cookie jar: two jars share nothing', () => {
  const a = jarOnClock().jar;
  const b = jarOnClock().jar;
  a.store('http://api.test/', { 'set-cookie': 'sid=a' });
  assert.equal(b.header('http://api.test/'), '');
});

test('addCookieHeader: the scenario\'s own cookie header first; the jar adds the names it does not give (a table)', () => {
  const rows: { name: string; headers: Record<string, string>; jar: string; want: Record<string, string> }[] = [
    // no cookie header: the jar's
    { name: 'jar only', headers: { accept: '*/*' }, jar: 'sid=1', want: { accept: '*/*', cookie: 'sid=1' } },
    // empty jar: nothing added
    { name: 'empty jar', headers: {}, jar: '', want: {} },
    // merge under the scenario's own spelling of the name
    { name: 'merge', headers: { Cookie: 'a=x' }, jar: 'sid=1; b=2', want: { Cookie: 'a=x; sid=1; b=2' } },
    // the explicit value of a name wins over the jar's
    { name: 'explicit wins', headers: { cookie: 'sid=mine' }, jar: 'sid=1; b=2', want: { cookie: 'sid=mine; b=2' } },
    { name: 'all explicit', headers: { cookie: 'sid=mine' }, jar: 'sid=1', want: { cookie: 'sid=mine' } },
    // an empty explicit header takes the jar's
    { name: 'empty explicit', headers: { cookie: '' }, jar: 'sid=1', want: { cookie: 'sid=1' } },
  ];
  for (const row of rows) {
    const h = { ...row.headers };
    addCookieHeader(h, row.jar);
    assert.deepEqual(h, row.want, row.name);
  }
});
