// The engine tests' former target signature, over the one test target (test/helpers/target.ts), for
// parts-engine.test.ts: startTarget(mode) serves `/hello?x=1`, and received() is the target's total().
import { startTarget as startTestTarget } from '../../../helpers/target.js';
import type { Target, TargetMode } from '../../../helpers/target.js';

export async function startTarget(mode: TargetMode = { kind: 'ok' }): Promise<Target & { received(): number }> {
  const target = await startTestTarget({ mode });
  return { ...target, url: `${target.origin}/hello?x=1`, received: () => target.total() };
}
