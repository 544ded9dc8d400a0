#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('loadfleet is not built yet: run `npm run build` (npm ci does it for you)\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const { processIo } = await import(new URL('../dist/common/runtime/process-io.js', import.meta.url).href);
const code = await main(processIo(), process.argv.slice(2));
process.exitCode = code;
setImmediate(() => process.exit(code));
