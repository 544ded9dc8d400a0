// `npm run schema`: writes schema/scenario.schema.json from the zod source. A test fails when the
// shipped file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE, scenarioJsonSchemaText } from '../common/scenario/json-schema.js';

// From dist/cli/ up to the package root.
const out = fileURLToPath(new URL(`../../${SCHEMA_FILE}`, import.meta.url));
writeFileSync(out, scenarioJsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
