// Problems found in a scenario file, with their place: a path of keys and indices (to locate in the
// YAML text) and the dotted path shown to the user. Turns zod issues into such problems, one per
// unknown key and with union errors resolved to the alternative the value was meant to be.
import type { z } from 'zod';

export type PathSegment = string | number;

export interface ScenarioFileProblem {
  /** e.g. `flows.buy.steps.1.request`, or `(top level)`. */
  path: string;
  segments: PathSegment[];
  message: string;
  /** True when the problem is the key itself (an unknown field): locate the key, not its value. */
  atKey?: boolean;
}

export function problem(segments: PathSegment[], message: string, atKey = false): ScenarioFileProblem {
  const p: ScenarioFileProblem = { segments, path: segments.length === 0 ? '(top level)' : segments.map(String).join('.'), message };
  if (atKey) p.atKey = true;
  return p;
}

type Issue = z.core.$ZodIssue;

/**
 * `root` is the validated value: a union (e.g. a load model) that is simply absent is reported as
 * "is required" rather than with the union's own message.
 */
export function issuesToProblems(issues: readonly Issue[], prefix: PathSegment[] = [], root?: unknown): ScenarioFileProblem[] {
  const out: ScenarioFileProblem[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push(problem([...at, k], `unknown field "${k}"`, true));
    } else if ((issue.code === 'invalid_union' || issue.code === 'invalid_type') && root !== undefined && at.length > 0 && valueAt(root, at) === undefined) {
      out.push(problem(at, 'is required'));
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const meant = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      const first = meant[0];
      if (first !== undefined) out.push(...issuesToProblems(first, at));
      else {
        if (issue.errors.every((b) => b.every((i) => i.code === 'invalid_type' && received(i) === 'undefined'))) {
          out.push(problem(at, 'is required'));
          continue;
        }
        const expected = [...new Set(issue.errors.flatMap((b) => b.map((i) => (i.code === 'invalid_type' ? String(i.expected) : undefined))).filter((e) => e !== undefined))];
        out.push(problem(at, expected.length > 0 ? `expected ${expected.join(' or ')}` : issue.message));
      }
    } else if (issue.code === 'invalid_key') {
      out.push(problem(at, `name ${issue.issues.map((i) => i.message).join('; ')}`, true));
    } else if (issue.code === 'invalid_type') {
      out.push(problem(at, received(issue) === 'undefined' ? 'is required' : issue.message.replace(/^Invalid input: /, '')));
    } else {
      out.push(problem(at, issue.message));
    }
  }
  return out;
}

/** What an invalid_type issue received, read from zod's message ("... received undefined"). */
function received(issue: Issue): string | undefined {
  return /received (\w+)$/.exec(issue.message)?.[1];
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<PathSegment, unknown>)[k];
  }
  return v;
}

/**
 * Why a file the scenario names (a data file, `tls.ca`) could not be read, in words a user can act
 * on: `cannot read d/users.csv: no such file (paths are relative to the scenario file)`.
 */
export function unreadableFileMessage(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT' ? 'no such file (paths are relative to the scenario file)'
      : code === 'EISDIR' ? 'it is a directory; name a file'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
          : code ?? (e instanceof Error ? e.message : String(e));
  return `cannot read ${path}: ${why}`;
}
