// Where a path of keys and indices is in YAML (or JSON) text: 1-based line and column, from the
// `yaml` package's node ranges. A path that goes beyond what the text has (a missing required field)
// resolves to the deepest part that exists, so a message always points somewhere sensible.
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { PathSegment } from './problems.js';

export interface TextPosition {
  line: number;
  column: number;
}

export type Locator = (path: readonly PathSegment[], target?: 'value' | 'key') => TextPosition;

/** Parses the text once; the returned function locates any number of paths. Never throws. */
export function createLocator(yamlText: string): Locator {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed | undefined;
  try {
    doc = parseDocument(yamlText, { lineCounter, logLevel: 'silent' });
  } catch {
    doc = undefined;
  }
  const at = (offset: number): TextPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const start = (n: unknown): number | undefined => {
    const r = (n as { range?: [number, number, number] } | null)?.range;
    return Array.isArray(r) ? r[0] : undefined;
  };
  return (path, target = 'value') => {
    if (doc === undefined) return { line: 1, column: 1 };
    let node: unknown = doc.contents;
    let offset = start(node) ?? 0;
    for (let k = 0; k < path.length; k++) {
      const seg = path[k];
      if (isAlias(node)) node = node.resolve(doc);
      let keyNode: unknown;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (pair === undefined) break;
        keyNode = pair.key;
        next = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
        if (next === undefined) break;
      } else break;
      const last = k === path.length - 1;
      const keyAt = start(keyNode);
      const valueAt = start(next);
      offset = (last && target === 'key' && keyAt !== undefined) ? keyAt : (valueAt ?? keyAt ?? offset);
      node = next as Node | null;
    }
    return at(offset);
  };
}

/** One-off form of createLocator. */
export function locate(yamlText: string, path: readonly PathSegment[], target: 'value' | 'key' = 'value'): TextPosition {
  return createLocator(yamlText)(path, target);
}
