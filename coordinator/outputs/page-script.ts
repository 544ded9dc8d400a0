// The pages' scripts (the dashboard's and the HTML report's): browser modules that tsconfig.browser.json
// compiles into dist/ beside the page modules that inline them. Each file is read once, on first use,
// and kept; the pages load nothing over the network.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LoadfleetError } from '../../common/runtime/errors.js';

const scripts = new Map<string, string>();

/** The compiled text of a page script at `url` (a file URL), read on the first call and kept. */
export function pageScript(url: URL): string {
  let js = scripts.get(url.href);
  if (js === undefined) {
    try {
      js = readFileSync(fileURLToPath(url), 'utf8');
    } catch (e) {
      throw new LoadfleetError('INTERNAL', `the page script ${fileURLToPath(url)} is missing`, {
        cause: e, hint: 'build both halves: npm run build (tsconfig.json, then tsconfig.browser.json)',
      });
    }
    scripts.set(url.href, js);
  }
  return js;
}

/** Inline script text that cannot end its <script> element early. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
