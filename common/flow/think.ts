// Random think time (Gatling's and Locust's distributions): how long a flow step pauses, drawn anew for
// every flow run. Pure: the random source is passed in (uniform on [0, 1), like Math.random), so tests
// run tables on a seeded PRNG. All durations are milliseconds.
import { z } from 'zod';

/** A distribution of think time, as the program carries it (common/flow/program.ts `thinkRandom`). */
export const thinkRandomSchema = z.union([
  z.strictObject({ uniform: z.strictObject({ minMs: z.number().nonnegative(), maxMs: z.number().nonnegative() }) }),
  z.strictObject({ normal: z.strictObject({ meanMs: z.number().nonnegative(), stddevMs: z.number().nonnegative() }) }),
  z.strictObject({ exponential: z.strictObject({ meanMs: z.number().positive() }) }),
]);
export type ThinkRandom = z.infer<typeof thinkRandomSchema>;

/**
 * One think time, ms (>= 0): uniform on [minMs, maxMs]; normal with meanMs and stddevMs, clamped at 0
 * (a draw below 0 thinks 0 ms, so with stddevMs large against meanMs the mean comes out above meanMs);
 * exponential with meanMs (memoryless: the gaps of a Poisson process).
 */
export function drawThinkMs(think: ThinkRandom, random: () => number): number {
  if ('uniform' in think) return think.uniform.minMs + (think.uniform.maxMs - think.uniform.minMs) * random();
  if ('normal' in think) {
    const ms = think.normal.meanMs + think.normal.stddevMs * standardNormal(random);
    return ms > 0 ? ms : 0;
  }
  return think.exponential.meanMs * standardExponential(random);
}

/** A draw of Exp(1) by inversion: -ln(1 - U), finite because 1 - U is in (0, 1]. */
export function standardExponential(random: () => number): number {
  return -Math.log(1 - random());
}

/** A draw of N(0, 1) (Box-Muller, one of the pair). */
export function standardNormal(random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
