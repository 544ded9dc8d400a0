// Paths of the compiled entry points, seen from dist/test/helpers/.
import { fileURLToPath } from 'node:url';

export const AGENT_ENTRY = fileURLToPath(new URL('../../agent/main.js', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../../bin/loadfleet.js', import.meta.url));
