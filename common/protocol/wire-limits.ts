// The bounds every agent message is held to on the coordinator (an agent message is untrusted input).
// Run-independent bounds live here; the bounds a run's schedule implies (interval indices, seqs, counts)
// are computed per run by coordinator/run/agent-bounds.ts. A message beyond any of them is refused with
// INVALID_ARGUMENT naming the field, and the stream is cut.

/** Identifiers and short fields: agent id, run id, host, version, failure code, feeder. */
export const MAX_ID_CHARS = 256;
/** Free text: a failure's message, a leaving reason. */
export const MAX_TEXT_CHARS = 4_096;
/**
 * Request names (and scenario names) one agent may report per phase, `(other)` included. An agent
 * folds the figures of every further name (and of any name longer than MAX_NAME_CHARS) into
 * OTHER_REQUEST_NAME, as the Prometheus output does with its label.
 */
export const MAX_REQUEST_NAMES = 256;
/**
 * Request names the whole run may hold per phase (agents fold independently, so their sets may differ):
 * this many, or the scenario's request names plus `(other)` when it has more (coordinator/run/agent-bounds.ts).
 */
export const MAX_RUN_REQUEST_NAMES = 1_024;
/** Failed-check names per request name; the agent folds further ones into OTHER_REQUEST_NAME. */
export const MAX_CHECK_NAMES = 64;
/**
 * Longest per-request figures (Stats.lang_json) of one phase: MAX_REQUEST_NAMES names, each a counters
 * object and two compressed histograms, latency and time to first byte (~12 KB each measured for a
 * spread over 1 ms-60 s), fit.
 */
export const MAX_LANG_JSON_CHARS = 9 * 1024 * 1024;
/** Longest request, scenario or check name on the wire. */
export const MAX_NAME_CHARS = 256;
/** The one name that holds the figures of names beyond the bounds (also the Prometheus label value). */
export const OTHER_REQUEST_NAME = '(other)';
/**
 * Largest message the coordinator's gRPC server takes, bytes. A legitimate Done carries two phases of up
 * to MAX_REQUEST_NAMES request names (each a counters object plus two compressed histograms, latency and
 * time to first byte) and as many scenario names (one histogram each), ~12 KB per histogram measured for
 * a spread over 1 ms-60 s: about 19 MB at the very worst. The Control service's upload pieces
 * (common/data/data-chunks.ts CHUNK_BYTES, 4 MiB) share the server and fit.
 */
export const MAX_MESSAGE_BYTES = 24 * 1024 * 1024;
