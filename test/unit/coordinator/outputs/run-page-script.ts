// Runs a compiled page script (coordinator/outputs/*/browser/, built by tsconfig.browser.json) in Node
// the way a page does: as an ES module, with the page's globals faked for the time of its import.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports `js` as a module with `globals` (e.g. document, window, uPlot) set on globalThis. A page script
 * runs its main at import and keeps using the globals in its event handlers and awaited calls, so they
 * stay until the returned restore() puts the previous values back.
 */
export async function runPageScript(js: string, globals: Record<string, unknown>): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-page-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, js);
  const g = globalThis as Record<string, unknown>;
  const saved = Object.keys(globals).map((k) => [k, Object.getOwnPropertyDescriptor(g, k)] as const);
  const restore = (): void => {
    for (const [k, d] of saved) {
      if (d === undefined) delete g[k];
      else Object.defineProperty(g, k, d);
    }
  };
  for (const [k, v] of Object.entries(globals)) Object.defineProperty(g, k, { value: v, configurable: true, writable: true });
  try {
    await import(pathToFileURL(file).href);
    return restore;
  } catch (e) {
    restore();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
