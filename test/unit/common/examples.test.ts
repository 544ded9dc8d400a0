// Every scenario in examples/ is valid as shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseScenarioText } from '../../../common/scenario.js';

// From dist/test/unit/common/ up to the repository.
const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

test('every example scenario parses', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 3, `examples found: ${files.join(', ')}`);
  for (const f of files) {
    const s = parseScenarioText(readFileSync(join(EXAMPLES, f), 'utf8'), f);
    assert.ok(s.name.length > 0, f);
  }
});
