// The HTML report's per-tag table and timing breakdown: present with the report's figures, escaped,
// absent when the report has neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport } from '../../../../coordinator/outputs/html-report/page.js';
import type { Report } from '../../../../coordinator/report/report.js';
import { sampleReport } from '../../../helpers/report.js';

const ASSETS = { js: '', css: '' };
const LAT = { count: 12, min: 1, mean: 2, p50: 2, p90: 3, p95: 3.5, p99: 4, p999: 5, max: 6 };

test('HTML report: a tags table and a timing section when the report has them', () => {
  const base = sampleReport(3);
  const plain = renderHtmlReport(base, ASSETS);
  assert.doesNotMatch(plain, /id="tags"|id="timing"/);
  const tagged: Report = {
    ...base,
    tags: { endpoint: { '<login>': { ...(Object.values(base.requests ?? {})[0] ?? { requests: 0 }), requests: 42, rps: 14, errors: 0, latencyMs: LAT, waitingMs: LAT } as NonNullable<Report['tags']>[string][string] } },
    timing: { connectMs: { ...LAT, count: 3 }, tlsMs: { ...LAT, count: 0 }, waitingMs: LAT, histograms: { connect: '', tls: '', waiting: '', encoding: 'HdrHistogram compressed base64, microseconds' } },
  };
  const html = renderHtmlReport(tagged, ASSETS);
  assert.match(html, /id="tags"/);
  assert.match(html, /endpoint=&#60;login&#62;/, 'tag values are escaped');
  assert.match(html, /id="timing"/);
  assert.match(html, /3 connection\(s\)/);
  assert.match(html, /12 response\(s\)/);
  assert.doesNotMatch(html, /TLS handshake/, 'no TLS row without HTTPS connections');
});
