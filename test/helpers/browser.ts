// A real headless Chromium for the browser tests: Debian's `chromium` (apt-get install chromium; .ci/run
// installs it) driven by playwright-core. Without it the tests skip, saying why, except under CI=true,
// where they fail. Screenshots go to test-artifacts/ at the repository root (gitignored).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';

/** Where Chromium is: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** test-artifacts/ at the repository root (this file runs from dist/test/helpers/). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return `${ARTIFACTS_DIR}${name}`;
}

/** Launches Chromium (as root, so without its sandbox), or skips `t` with the reason (throws under CI=true). */
export async function chromiumOrSkip(t: TestContext): Promise<Browser | undefined> {
  let reason: string;
  if (!existsSync(CHROMIUM_PATH)) {
    reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  } else {
    try {
      const { chromium } = await import('playwright-core');
      return await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
    } catch (e) {
      reason = `Chromium at ${CHROMIUM_PATH} did not start: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  if (process.env.CI === 'true') throw new Error(`the browser tests must run in CI, but: ${reason}`);
  t.skip(`browser tests skipped: ${reason}`);
  return undefined;
}

// Page-side code is passed as functions, never strings: Playwright evaluates strings with eval, which
// the pages' Content-Security-Policy forbids. `document` and `window` below are the page's.
interface PageCanvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }; toDataURL(): string }
interface PageElement { textContent: string | null; getAttribute(name: string): string | null }
declare const document: { querySelectorAll(selector: string): Iterable<PageCanvas>; getElementById(id: string): PageElement | null; documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

/**
 * Per canvas under `selector`: how many pixels are not transparent, and a digest of its image (to see
 * that it was redrawn).
 */
export async function canvases(page: Page, selector: string): Promise<{ painted: number; image: string }[]> {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) painted++;
    const url = c.toDataURL();
    let h = 0;
    for (let i = 0; i < url.length; i++) h = (h * 31 + url.charCodeAt(i)) | 0;
    return { painted, image: `${url.length}:${h}` };
  }), selector);
}

/** Whether the page scrolls sideways (it should not on a phone). */
export async function overflowsX(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/** Waits until the text of #id matches `re`. */
export async function waitText(page: Page, id: string, re: RegExp, timeoutMs = 5_000): Promise<void> {
  await page.waitForFunction(([i, source, flags]) => new RegExp(source, flags).test(document.getElementById(i)?.textContent ?? ''), [id, re.source, re.flags] as const, { timeout: timeoutMs });
}

/** Waits until the numeric attribute `name` of #id is at least `min`. */
export async function waitAttrAtLeast(page: Page, id: string, name: string, min: number, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(([i, n, m]) => Number(document.getElementById(i)?.getAttribute(n)) >= m, [id, name, min] as const, { timeout: timeoutMs });
}
