// A small, documented subset of JSONPath, compiled once and evaluated without eval:
//
//   $                 the whole document
//   .name             a key made of letters, digits, _ $ - (not starting with a digit or -)
//   ['any key']       any key, in single or double quotes (\' \" \\ escape)
//   [3]               an array element; [-1] is the last one
//
// e.g. `$.data.items[0].id`, `$['content-type']`, `$.tokens[-1]`. No wildcards, filters or slices:
// a path names exactly one value.

export type JsonPathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number };

export type JsonPathResult = { found: true; value: unknown } | { found: false; reason: string };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
  /** Evaluates the path on a parsed JSON value. Never throws. */
  get(root: unknown): JsonPathResult;
}

/** A JSON path that does not parse; `position` is the 0-based offset in `path`. */
export class JsonPathSyntaxError extends Error {
  readonly code = 'JSON_PATH_SYNTAX';
  readonly path: string;
  readonly position: number;

  constructor(path: string, position: number, what: string) {
    super(`JSON path "${path}" at position ${position + 1}: ${what}`);
    this.name = 'JsonPathSyntaxError';
    this.path = path;
    this.position = position;
  }
}

const NAME_START = /[A-Za-z_$]/;
const NAME_CHAR = /[A-Za-z0-9_$-]/;

export function compileJsonPath(path: string): JsonPath {
  if (!path.startsWith('$')) throw new JsonPathSyntaxError(path, 0, 'must start with $ (e.g. $.data.id)');
  const segments: JsonPathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const start = ++i;
      if (i >= path.length || !NAME_START.test(path[i] as string)) throw new JsonPathSyntaxError(path, i, "expected a key name after '.' (use ['key'] for other keys)");
      while (i < path.length && NAME_CHAR.test(path[i] as string)) i++;
      segments.push({ kind: 'key', key: path.slice(start, i) });
    } else if (c === '[') {
      i++;
      const q = path[i];
      if (q === '"' || q === "'") {
        let key = '';
        i++;
        for (;;) {
          if (i >= path.length) throw new JsonPathSyntaxError(path, i, `unterminated ${q}-quoted key`);
          const ch = path[i] as string;
          if (ch === '\\' && i + 1 < path.length) { key += path[i + 1]; i += 2; continue; }
          if (ch === q) { i++; break; }
          key += ch;
          i++;
        }
        segments.push({ kind: 'key', key });
      } else {
        const m = /^-?\d+/.exec(path.slice(i));
        if (m === null) throw new JsonPathSyntaxError(path, i, "expected an index like [0] or a quoted key like ['name']");
        segments.push({ kind: 'index', index: Number(m[0]) });
        i += m[0].length;
      }
      if (path[i] !== ']') throw new JsonPathSyntaxError(path, i, "expected ']'");
      i++;
    } else {
      throw new JsonPathSyntaxError(path, i, `unexpected '${c}' (expected '.' or '[')`);
    }
  }
  return { source: path, segments, get: (root) => walk(segments, root) };
}

function walk(segments: readonly JsonPathSegment[], root: unknown): JsonPathResult {
  let value = root;
  let at = '$';
  for (const seg of segments) {
    if (seg.kind === 'key') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { found: false, reason: `${at} is ${describe(value)}, not an object` };
      if (!Object.hasOwn(value, seg.key)) return { found: false, reason: `${at} has no key "${seg.key}"` };
      value = (value as Record<string, unknown>)[seg.key];
      at += /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg.key) ? `.${seg.key}` : `[${JSON.stringify(seg.key)}]`;
    } else {
      if (!Array.isArray(value)) return { found: false, reason: `${at} is ${describe(value)}, not an array` };
      const i = seg.index < 0 ? value.length + seg.index : seg.index;
      if (i < 0 || i >= value.length) return { found: false, reason: `${at} has ${value.length} element(s), no [${seg.index}]` };
      value = value[i];
      at += `[${seg.index}]`;
    }
  }
  return { found: true, value };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
