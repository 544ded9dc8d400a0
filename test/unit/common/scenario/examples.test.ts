// Every scenario in examples/ is valid as shipped, by the scenario language's validator (what `run`
// and `validate` use), data files included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../../../cli/scenario-input.js';

// From dist/test/unit/common/ up to the repository.
const EXAMPLES = fileURLToPath(new URL('../../../../../examples/', import.meta.url));

test('every example scenario validates and converts', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.data.json'));
  assert.ok(files.length >= 3, `examples found: ${files.join(', ')}`);
  for (const f of files) {
    const r = loadScenarioFile(EXAMPLES, f);
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.lines.join('\n')}`);
    assert.ok(r.scenario.name.length > 0, f);
  }
});
