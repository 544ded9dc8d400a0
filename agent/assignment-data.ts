// The data of an assignment as it reaches the agent: DataChunk pieces and RowBlocks arrive before the
// Assign (and RowBlocks after it). The inbox holds them for one assignment at a time, parsing each piece
// (a JSON array of whole rows) as it arrives so no single step blocks the event loop; prepareData()
// turns a plan whose feeders are chunked or block-fed into one the engine can run, or says why not
// (a piece missing or corrupt, rows that do not match the plan): the agent then refuses with a Failure
// instead of starting.
import { ChunkAssembler, rowsFromJson } from '../common/data/data-chunks.js';
import type { AgentPlan } from '../common/plan/agent-plan.js';
import type { DataChunkMsg, RowBlockMsg } from '../common/protocol/messages.js';
import { UniqueFeed } from './unique-feed.js';

const keyOf = (runId: string, assignment: number): string => `${runId}/${assignment}`;

/** Pieces and early blocks of the assignment being sent; a message for another one starts afresh. */
export class DataInbox {
  private key: string | undefined;
  private assembler = new ChunkAssembler();
  private blocks: RowBlockMsg[] = [];
  /** Per feeder, each piece's rows (or why it is not rows), parsed on arrival. */
  private parsed = new Map<string, Map<number, Record<string, unknown>[] | Error>>();

  add(m: DataChunkMsg | RowBlockMsg): void {
    const key = keyOf(m.runId, m.assignment);
    if (key !== this.key) {
      this.clear();
      this.key = key;
    }
    if (m.kind === 'row-block') {
      this.blocks.push(m);
      return;
    }
    this.assembler.add({ feeder: m.feeder, index: m.index, count: m.count, data: m.data });
    let pieces = this.parsed.get(m.feeder);
    if (pieces === undefined) this.parsed.set(m.feeder, (pieces = new Map()));
    if (pieces.has(m.index)) return;
    try {
      pieces.set(m.index, rowsFromJson(m.data.toString('utf8'), `data "${m.feeder}" piece ${m.index}`));
    } catch (e) {
      pieces.set(m.index, e as Error);
    }
  }

  /** What arrived for this assignment (and forgets it). */
  take(runId: string, assignment: number): Arrived | undefined {
    if (this.key !== keyOf(runId, assignment)) return undefined;
    const out = { assembler: this.assembler, blocks: this.blocks, parsed: this.parsed };
    this.key = undefined;
    this.assembler = new ChunkAssembler();
    this.blocks = [];
    this.parsed = new Map();
    return out;
  }

  clear(): void {
    this.key = undefined;
    this.assembler.clear();
    this.blocks = [];
    this.parsed = new Map();
  }
}

export interface Arrived {
  assembler: ChunkAssembler;
  blocks: RowBlockMsg[];
  parsed: Map<string, Map<number, Record<string, unknown>[] | Error>>;
}

export type PreparedData = { ok: true; plan: AgentPlan; feeds: Map<string, UniqueFeed> } | { ok: false; why: string };

/**
 * Fills the plan's chunked feeders with their joined, checked rows and makes a UniqueFeed for each
 * block-fed one (fed the blocks that came first). `want(feeder, rows)` asks the coordinator for more.
 */
export function prepareData(plan: AgentPlan, arrived: Arrived | undefined, want: (feeder: string, rows: number) => void): PreparedData {
  const program = plan.program;
  const feeds = new Map<string, UniqueFeed>();
  if (program === undefined) return { ok: true, plan, feeds };
  const data = { ...program.data };
  const problems: string[] = [];
  for (const [name, d] of Object.entries(program.data)) {
    if (d.chunked !== undefined) {
      if (arrived === undefined) {
        problems.push(`data "${name}": none of its ${d.chunked.chunks} piece(s) arrived`);
        continue;
      }
      const joined = arrived.assembler.join(name, d.chunked);
      if (!joined.ok) {
        problems.push(`data "${name}": ${joined.why}`);
        continue;
      }
      const parsed = arrived.parsed.get(name);
      const rows: Record<string, unknown>[] = [];
      let bad: Error | undefined;
      for (let i = 0; i < d.chunked.chunks && bad === undefined; i++) {
        const piece = parsed?.get(i);
        if (piece instanceof Error || piece === undefined) bad = piece ?? new Error(`data "${name}" piece ${i} was not parsed`);
        else for (const r of piece) rows.push(r);
      }
      if (bad !== undefined) problems.push(bad.message);
      else if (rows.length !== d.totalRows) problems.push(`data "${name}": ${rows.length} rows arrived, the plan says ${d.totalRows}`);
      else data[name] = { mode: d.mode, totalRows: d.totalRows, rows };
    } else if (d.blocks === true) {
      if (d.mode !== 'unique') {
        problems.push(`data "${name}": only a unique feeder is handed out in blocks, this one is ${d.mode}`);
        continue;
      }
      feeds.set(name, new UniqueFeed((rows) => want(name, rows)));
    }
  }
  for (const b of arrived?.blocks ?? []) {
    const feed = feeds.get(b.feeder);
    if (feed === undefined) problems.push(`rows arrived for data "${b.feeder}", which the plan does not hand out in blocks`);
    else feed.addBlock(b.ranges, b.rows, b.exhausted);
  }
  const extra = arrived?.assembler.leftovers() ?? [];
  if (extra.length > 0) problems.push(`pieces arrived for data the plan does not name: ${extra.join(', ')}`);
  arrived?.assembler.clear();
  if (problems.length > 0) return { ok: false, why: problems.join('; ') };
  return { ok: true, plan: { ...plan, program: { ...program, data } }, feeds };
}
