// Coded errors. Every error a user can meet carries a stable `code`, a message that says what is wrong
// and what to do, and the underlying `cause`. Only a main.ts turns a code into an exit code and a hint.

export type ErrorCode =
  | 'USAGE'                 // bad command-line flags
  | 'SCENARIO_INVALID'      // scenario file unreadable or failing validation
  | 'PLAN_INVALID'          // an Assign the agent cannot accept
  | 'PROTOCOL_MISMATCH'     // peers speak different protocol versions
  | 'PROTOCOL_VIOLATION'    // a malformed or out-of-order wire message
  | 'UNAUTHENTICATED'       // missing or wrong token
  | 'UNAVAILABLE'           // coordinator or agent cannot be reached
  | 'NO_AGENTS'             // not enough agents to run
  | 'BUSY'                  // a test is already running
  | 'NOT_RUNNING'           // a control call needs a running test
  | 'NO_REPORT'             // the coordinator keeps no report of that run (unknown, evicted, still running)
  | 'RUN_FAILED'            // the run could not complete (agents failed or vanished)
  | 'SETUP_FAILED'          // the scenario's setup failed (a check, an extraction, a transport error): no load was sent
  | 'INTERRUPTED'           // the user stopped the run (SIGINT)
  | 'INTERNAL';             // a bug: please report it

export class LoadfleetError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoadfleetError';
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * Exit codes, documented in the README. 0 is a completed run whose verdict is a pass.
 * A run that completed but whose generator could not keep up is not a clean pass (GENERATOR_BOUND).
 */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  INVALID_INPUT: 2,
  RUN_FAILED: 3,
  GENERATOR_BOUND: 4,
  /** The run was aborted because an agent was lost under `--on-agent-loss fail`. */
  AGENT_LOST: 5,
  REFUSED: 6,
  /** The run completed but a scenario threshold failed (or aborted it with abortOnFail). */
  THRESHOLDS_FAILED: 7,
  /** The run completed but some agent's figures never arrived (the report's incomplete[]); see --allow-incomplete. */
  INCOMPLETE: 8,
  /**
   * The scenario's `setup` failed before any load (the run never started), or a setup refresh or the
   * teardown failed during or after an otherwise passing run (verdict setup-failed).
   */
  SETUP_FAILED: 9,
  /** A capacity search ended without a capacity: even the start load failed, every load up to the maximum passed, or the budget or a stop ended it before the bracket closed. */
  CAPACITY_NOT_FOUND: 10,
  /** A comparison with a baseline found a significant regression beyond its limits (`compare`, `run --baseline`). */
  REGRESSION: 11,
  /** Two runs were not comparable (different scenario, rate or model, or one was not trustworthy); `--force` compares anyway. */
  NOT_COMPARABLE: 12,
  INTERRUPTED: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'USAGE':
    case 'SCENARIO_INVALID':
    case 'PLAN_INVALID':
      return EXIT.INVALID_INPUT;
    case 'PROTOCOL_MISMATCH':
    case 'UNAUTHENTICATED':
      return EXIT.REFUSED;
    case 'UNAVAILABLE':
    case 'NO_AGENTS':
    case 'BUSY':
    case 'NOT_RUNNING':
    case 'NO_REPORT':
    case 'RUN_FAILED':
    case 'PROTOCOL_VIOLATION':
      return EXIT.RUN_FAILED;
    case 'SETUP_FAILED':
      return EXIT.SETUP_FAILED;
    case 'INTERRUPTED':
      return EXIT.INTERRUPTED;
    case 'INTERNAL':
      return EXIT.INTERNAL;
    default:
      return assertNever(code);
  }
}

export function assertNever(x: never): never {
  throw new LoadfleetError('INTERNAL', `unexpected value ${JSON.stringify(x)}`);
}

/** A one-line description of any thrown value, for logs. */
export function describeError(e: unknown): string {
  if (e instanceof LoadfleetError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
