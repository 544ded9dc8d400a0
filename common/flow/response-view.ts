// A response as extractors and checks see it: status, lower-case headers and the body text, with the
// body parsed as JSON at most once (lazily, shared by every extractor and check of one response).

export interface ResponseView {
  readonly status: number;
  /** Header value by name, any case; several values are joined with ", ". Undefined when absent. */
  header(name: string): string | undefined;
  readonly body: string;
  /** The body parsed as JSON; parsed on first call, then cached. */
  json(): { ok: true; value: unknown } | { ok: false; reason: string };
}

export type RawHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export function responseView(status: number, headers: RawHeaders, body: string): ResponseView {
  const lower = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const value = typeof v === 'string' ? v : v.join(', ');
    const key = k.toLowerCase();
    const prev = lower.get(key);
    lower.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }
  let parsed: { ok: true; value: unknown } | { ok: false; reason: string } | undefined;
  return {
    status,
    body,
    header: (name) => lower.get(name.toLowerCase()),
    json() {
      if (parsed === undefined) {
        try {
          parsed = { ok: true, value: JSON.parse(body) as unknown };
        } catch (e) {
          parsed = { ok: false, reason: `body is not JSON (${(e as Error).message})` };
        }
      }
      return parsed;
    },
  };
}
