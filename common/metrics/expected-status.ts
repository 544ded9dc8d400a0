// Expected HTTP statuses: a response whose status is not expected is a failed request (counted in
// Counters.failedByStatus). The scenario file writes them as `expect: { status: [200, "300-399", "4xx"] }`;
// plans carry them as inclusive ranges ([from, to]); the engine matches with a table by code.
// Statuses are 0..999 (what the recorder counts by code); anything else is never expected.
import { z } from 'zod';

/** An inclusive range of status codes, [from, to] with from <= to. */
export type StatusRange = [number, number];

/** Expected when nothing nearer says otherwise: 200-399 (k6's http_req_failed counts >= 400). */
export const DEFAULT_EXPECTED: readonly StatusRange[] = [[200, 399]];

/** Status codes the tables hold (0..999). */
export const STATUS_CODES = 1000;

const code = z.number().int().min(0).max(STATUS_CODES - 1);

/** Ranges as plans and Scenarios carry them. */
export const statusRangesSchema = z
  .array(z.tuple([code, code]).refine(([from, to]) => from <= to, 'a range must go from the lower code to the higher'))
  .min(1);

/**
 * One entry as written: 404, "404", "200-299" or "2xx". Returns the range, or a message saying what is
 * wrong and what to write.
 */
export function parseStatusEntry(entry: number | string): StatusRange | string {
  const hint = 'write a status code (404), a range ("200-299") or a class ("2xx")';
  if (typeof entry === 'number') {
    return Number.isInteger(entry) && entry >= 100 && entry <= 599 ? [entry, entry] : `${entry} is not an HTTP status (100-599): ${hint}`;
  }
  const s = entry.trim();
  let m = /^([1-5])xx$/i.exec(s);
  if (m !== null) {
    const c = Number(m[1]) * 100;
    return [c, c + 99];
  }
  if (/^\d{3}$/.test(s)) return parseStatusEntry(Number(s));
  m = /^(\d{3})\s*-\s*(\d{3})$/.exec(s);
  if (m !== null) {
    const from = Number(m[1]);
    const to = Number(m[2]);
    if (from < 100 || to > 599) return `"${entry}" goes beyond the HTTP statuses (100-599)`;
    if (from > to) return `"${entry}" goes from the higher code to the lower: write "${to}-${from}"`;
    return [from, to];
  }
  return `"${entry}" is not a status: ${hint}`;
}

/** The written form of a range (what parseStatusEntry reads back to the same range). */
export function statusEntryOf(r: StatusRange): number | string {
  return r[0] === r[1] ? r[0] : `${r[0]}-${r[1]}`;
}

/** `expect` as the scenario file writes it: { status: [entries] }, to ranges; each bad entry is a located problem. */
export const expectFileSchema = z
  .strictObject({
    status: z.array(z.union([z.number(), z.string()])).min(1, 'name at least one expected status (e.g. [200, 404])')
      .meta({ description: 'expected statuses: codes (404), ranges ("200-299") or classes ("2xx"); any other status is a failed request' }),
  })
  .meta({ description: 'what counts as a successful response (default: status 200-399)' })
  .transform((e, ctx): StatusRange[] => {
    const ranges: StatusRange[] = [];
    e.status.forEach((entry, i) => {
      const r = parseStatusEntry(entry);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', path: ['status', i], message: r });
      else ranges.push(r);
    });
    return ranges;
  });

/** The file's form of ranges (for a Scenario's input form). */
export function expectInput(ranges: readonly StatusRange[]): { status: (number | string)[] } {
  return { status: ranges.map(statusEntryOf) };
}

/** A table by status code: 1 where expected. For the hot path (no search per response). */
export function expectedTable(ranges: readonly StatusRange[] = DEFAULT_EXPECTED): Uint8Array {
  const t = new Uint8Array(STATUS_CODES);
  for (const [from, to] of ranges) t.fill(1, Math.max(0, from), Math.min(STATUS_CODES - 1, to) + 1);
  return t;
}

/** Is `status` expected by `ranges`? */
export function isExpected(ranges: readonly StatusRange[], status: number): boolean {
  return ranges.some(([from, to]) => status >= from && status <= to);
}
