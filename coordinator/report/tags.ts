// The report's per-tag figures (report.json `tags[key][value]`): main-phase figures of the request
// names carrying each tag, merged by coordinator/merge/tag-figures.ts and shaped like
// report.requests[name] (rate over the main phase). Absent when the scenario has no tags.
import type { Scenario } from '../../common/scenario/scenario.js';
import { tagsByName } from '../../common/scenario/tags.js';
import { OTHER_REQUEST_NAME } from '../../common/protocol/wire-limits.js';
import type { PhaseTotals } from '../merge/figures.js';
import { tagTotals } from '../merge/tag-figures.js';
import { requestReport } from './request-figures.js';
import { namesWithWaiting } from './timing.js';
import type { RequestReport } from './request-figures.js';

export interface TagReports {
  /** Per tag key, per value. */
  tags?: Record<string, Record<string, RequestReport>>;
  /**
   * Requests counted under OTHER_REQUEST_NAME (names beyond the wire's per-agent bound): they carry no
   * tags, so the tags' figures leave them out. Present only when the scenario has tags and some were.
   */
  tagsUnattributed?: number;
}

/** `tags` (and `tagsUnattributed`) for the report, or {} when no request of the scenario has tags. */
export function tagReports(scenario: Scenario, main: PhaseTotals, mainMs: number): TagReports {
  const tags = tagsByName(scenario.program?.requests ?? {});
  if (Object.keys(tags).length === 0) return {};
  // With each name's time to first byte, so a tag's is merged from its names' histograms too.
  const totals = tagTotals(namesWithWaiting(main), tags);
  const out: Record<string, Record<string, RequestReport>> = {};
  for (const [k, byValue] of Object.entries(totals)) {
    out[k] = Object.fromEntries(Object.entries(byValue).map(([v, r]) => {
      const waiting = (r as { waitingMs?: RequestReport['waitingMs'] }).waitingMs;
      return [v, { ...requestReport(r, mainMs), ...(waiting === undefined || waiting.count === 0 ? {} : { waitingMs: waiting }) }];
    }));
  }
  const other = main.byRequestName[OTHER_REQUEST_NAME]?.requests ?? 0;
  return { tags: out, ...(other > 0 ? { tagsUnattributed: other } : {}) };
}
