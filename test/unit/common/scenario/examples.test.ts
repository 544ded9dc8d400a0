// Every scenario in examples/ is valid as shipped, by the scenario language's validator (what `run`
// and `validate` use), data files included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../../../cli/scenario-input.js';

// From dist/test/unit/common/ up to the repository.
const EXAMPLES = fileURLToPath(new URL('../../../../../examples/', import.meta.url));

test('every example scenario validates and converts', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.data.json'));
  assert.ok(files.length >= 3, `examples found: ${files.join(', ')}`);
  for (const f of files) {
    // A file reading `{{ $env.BASE }}` is given it, as its comment's `--env BASE=...` does.
    const env: Record<string, string> = /\$env\.BASE\b/.test(readFileSync(join(EXAMPLES, f), 'utf8')) ? { BASE: 'http://127.0.0.1:8080' } : {};
    const r = loadScenarioFile(EXAMPLES, f, env);
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.lines.join('\n')}`);
    assert.ok(r.scenario.name.length > 0, f);
    if (env.BASE === undefined) continue;
    // Without it, a located problem naming the variable and the flag.
    const missing = loadScenarioFile(EXAMPLES, f);
    assert.ok(!missing.ok && missing.lines.some((l) => l.startsWith(`${f}:`) && /^[^:]+:\d+:\d+: .*\$env\.BASE is not set: pass --env BASE=VALUE/.test(l)), `${f} without --env: ${missing.ok ? 'ok' : missing.lines.join('\n')}`);
  }
  assert.ok(files.includes('env-base.yaml'), 'the $env example is there');
});
