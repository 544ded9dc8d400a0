// Data feeders' rows: CSV (RFC 4180: a header row, "quoted" fields with "" for a quote, commas and
// newlines inside quotes, CRLF or LF), JSON (an array of objects) and NDJSON (one object per line,
// blank lines skipped). Every error names the file and the line. Sizes are bounded so a mistaken
// 2 GB file fails at once with a clear message instead of exhausting an agent.

export type Row = Readonly<Record<string, unknown>>;
export type FeederFormat = 'csv' | 'json' | 'ndjson';

export interface FeederLimits {
  /** Largest file accepted, in bytes of UTF-8 (default 256 MiB, common/data/data-chunks.ts MAX_DATA_BYTES). */
  maxBytes: number;
  /** Most rows accepted (default 5,000,000). */
  maxRows: number;
}

export const DEFAULT_FEEDER_LIMITS: FeederLimits = { maxBytes: 256 * 1024 * 1024, maxRows: 5_000_000 };

/** A data file that cannot be used; `line` is 1-based when known. */
export class FeederError extends Error {
  readonly code = 'FEEDER_INVALID';
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, what: string) {
    super(`${source}${line === undefined ? '' : `:${line}`}: ${what}`);
    this.name = 'FeederError';
    this.source = source;
    this.line = line;
  }
}

/** The format a file name implies (.csv, .json, .ndjson or .jsonl), or undefined. */
export function formatOf(path: string): FeederFormat | undefined {
  const m = /\.(csv|json|ndjson|jsonl)$/i.exec(path);
  if (m === null) return undefined;
  const ext = (m[1] as string).toLowerCase();
  return ext === 'jsonl' ? 'ndjson' : (ext as FeederFormat);
}

/** Parses a data file's text into rows; throws FeederError. */
export function parseRows(text: string, format: FeederFormat, source: string, limits: FeederLimits = DEFAULT_FEEDER_LIMITS): Row[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) throw fileTooLarge(source, bytes, limits);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let rows: Row[];
  switch (format) {
    case 'csv': rows = parseCsv(body, source, limits); break;
    case 'json': rows = parseJsonArray(body, source, limits); break;
    case 'ndjson': rows = parseNdjson(body, source, limits); break;
  }
  if (rows.length === 0) throw new FeederError(source, undefined, 'has no rows');
  return rows;
}

/**
 * A data file over the size limit. Readers check the size before reading (cli/scenario-input.ts
 * readDataText), so a mistaken 2 GB file is refused without being read.
 */
export function fileTooLarge(source: string, bytes: number, limits: FeederLimits = DEFAULT_FEEDER_LIMITS): FeederError {
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  return new FeederError(source, undefined, `${bytes} bytes (${mib(bytes)}) is over the limit of ${limits.maxBytes} bytes (${mib(limits.maxBytes)}): trim the file or split the test`);
}

function tooMany(source: string, line: number, limits: FeederLimits): FeederError {
  return new FeederError(source, line, `more than ${limits.maxRows} rows (the limit)`);
}

function parseCsv(text: string, source: string, limits: FeederLimits): Row[] {
  // Rows are built as each record ends (not kept as records first): a 1M-row file is parsed in one pass.
  let names: string[] | undefined;
  const rows: Row[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let atFieldStart = true;
  const header = (hf: string[]): string[] => {
    const ns = hf.map((f) => f.trim());
    const seen = new Set<string>();
    ns.forEach((n, k) => {
      if (n === '') throw new FeederError(source, recordLine, `column ${k + 1} of the header row has no name`);
      if (seen.has(n)) throw new FeederError(source, recordLine, `column name "${n}" appears twice in the header row`);
      seen.add(n);
    });
    return ns;
  };
  const endRecord = (): void => {
    fields.push(field);
    // A record that is one empty field is a blank line: skipped.
    if (!(fields.length === 1 && fields[0] === '')) {
      if (names === undefined) names = header(fields);
      else {
        if (rows.length >= limits.maxRows) throw tooMany(source, recordLine, limits);
        if (fields.length !== names.length) throw new FeederError(source, recordLine, `${fields.length} field(s), the header has ${names.length}`);
        const row: Record<string, unknown> = {};
        for (let k = 0; k < names.length; k++) row[names[k] as string] = fields[k];
        rows.push(row);
      }
    }
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (atFieldStart && c === '"') {
      const openLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new FeederError(source, openLine, 'a quoted field is not closed (a " is missing)');
        const q = text[i] as string;
        if (q === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
        throw new FeederError(source, line, `unexpected ${JSON.stringify(after)} after a quoted field (a quote inside a field is written "")`);
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (c === ',') { fields.push(field); field = ''; atFieldStart = true; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (c === '\n') { endRecord(); i++; line++; recordLine = line; continue; }
    if (c === '"') throw new FeederError(source, line, 'a " inside an unquoted field; quote the field and write the quote as ""');
    // The rest of an unquoted field in one slice (up to , CR LF or ").
    let j = i + 1;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === 44 || d === 10 || d === 13 || d === 34) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (field !== '' || fields.length > 0) endRecord();
  if (names === undefined) throw new FeederError(source, undefined, 'has no header row');
  return rows;
}

function parseJsonArray(text: string, source: string, limits: FeederLimits): Row[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    throw new FeederError(source, at === null ? undefined : lineOf(text, Number(at[1])), `not valid JSON: ${msg}`);
  }
  if (!Array.isArray(value)) throw new FeederError(source, 1, 'a JSON data file is an array of objects: [{"user": "a"}, ...]');
  if (value.length > limits.maxRows) throw new FeederError(source, undefined, `${value.length} rows, more than the limit of ${limits.maxRows}`);
  value.forEach((v: unknown, k) => {
    if (!isRecord(v)) throw new FeederError(source, undefined, `element [${k}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}, not an object`);
  });
  return value as Row[];
}

function parseNdjson(text: string, source: string, limits: FeederLimits): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, k) => {
    const l = raw.trim();
    if (l === '') return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw new FeederError(source, k + 1, `not valid JSON: ${(e as Error).message}`);
    }
    if (!isRecord(v)) throw new FeederError(source, k + 1, 'each line of an NDJSON file is one JSON object');
    if (rows.length >= limits.maxRows) throw tooMany(source, k + 1, limits);
    rows.push(v);
  });
  return rows;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}
