import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../../../common/runtime/redact.js';

test('redactUrl: query strings and userinfo are never shown; the rest is kept', () => {
  const rows: Array<[string, string]> = [
    ['http://api.test/buy', 'http://api.test/buy'], //                                  nothing to hide
    ['http://api.test/buy?apikey=s3cret&q=1', 'http://api.test/buy?***'], //            the query, whole
    ['https://user:pa55@api.test:8443/x', 'https://***@api.test:8443/x'], //            userinfo
    ['https://tok@api.test/?k=v#frag', 'https://***@api.test/?***'], //                 both; the fragment is dropped
    ['http://api.test/a#k=v', 'http://api.test/a'], //                                  a fragment alone
    ['http://api.test/a?', 'http://api.test/a'], //                                     an empty query
    ['http://{{ host }}/u/{{ id }}?key={{ key }}', 'http://{{ host }}/u/{{ id }}?***'], // a template
    ['http://api.test/p@th', 'http://api.test/p@th'], //                                an @ in the path is no userinfo
    ['http://api.test/buy?***', 'http://api.test/buy?***'], //                           idempotent
  ];
  for (const [url, want] of rows) assert.equal(redactUrl(url), want, url);
});
