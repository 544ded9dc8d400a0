// A status reply of bounded size whatever the peers said about themselves: agent ids, hosts, versions
// and peer addresses longer than STATUS_TEXT_CHARS are cut (marked with an ellipsis), so one agent with
// a huge hello cannot make `status` (or a run's Started event) too large to deliver. Pure.
import type { FleetStatus } from '../coordinator.js';

/** The longest agent id, host, version or peer address a status shows, in characters. */
export const STATUS_TEXT_CHARS = 128;

/** The longest notice a watching CLI is sent (a notice may quote an agent's id or failure message). */
export const NOTICE_CHARS = 4096;

export function boundText(text: string, maxChars: number = STATUS_TEXT_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

export function boundStatus(s: FleetStatus): FleetStatus {
  return {
    agents: s.agents.map((a) => ({ ...a, id: boundText(a.id), host: boundText(a.host), version: boundText(a.version), peer: boundText(a.peer) })),
    run: s.run === null ? null : { ...s.run, agents: s.run.agents.map((m) => ({ ...m, id: boundText(m.id), agentId: boundText(m.agentId), host: boundText(m.host) })) },
    ...(s.setup === undefined ? {} : { setup: { ...s.setup, agentId: s.setup.agentId === null ? null : boundText(s.setup.agentId) } }),
  };
}
