// The data of an assignment as it reaches the agent: DataChunk pieces and RowBlocks arrive before the
// Assign (and RowBlocks after it). The inbox holds them for one assignment at a time; prepareData()
// turns a plan whose feeders are chunked or block-fed into one the engine can run, or says why not
// (a piece missing or corrupt, rows that do not match the plan): the agent then refuses with a Failure
// instead of starting.
import { ChunkAssembler, rowsFromJson } from '../common/data-chunks.js';
import type { AgentPlan } from '../common/plan.js';
import type { DataChunkMsg, RowBlockMsg } from '../common/protocol.js';
import { UniqueFeed } from './unique-feed.js';

const keyOf = (runId: string, assignment: number): string => `${runId}/${assignment}`;

/** Pieces and early blocks of the assignment being sent; a message for another one starts afresh. */
export class DataInbox {
  private key: string | undefined;
  private readonly assembler = new ChunkAssembler();
  private blocks: RowBlockMsg[] = [];

  add(m: DataChunkMsg | RowBlockMsg): void {
    const key = keyOf(m.runId, m.assignment);
    if (key !== this.key) {
      this.clear();
      this.key = key;
    }
    if (m.kind === 'data-chunk') this.assembler.add({ feeder: m.feeder, index: m.index, count: m.count, data: m.data });
    else this.blocks.push(m);
  }

  /** What arrived for this assignment (and forgets it). */
  take(runId: string, assignment: number): { assembler: ChunkAssembler; blocks: RowBlockMsg[] } | undefined {
    if (this.key !== keyOf(runId, assignment)) return undefined;
    const out = { assembler: this.assembler, blocks: this.blocks };
    this.key = undefined;
    this.blocks = [];
    return out;
  }

  clear(): void {
    this.key = undefined;
    this.assembler.clear();
    this.blocks = [];
  }
}

export type PreparedData = { ok: true; plan: AgentPlan; feeds: Map<string, UniqueFeed> } | { ok: false; why: string };

/**
 * Fills the plan's chunked feeders with their joined, checked rows and makes a UniqueFeed for each
 * block-fed one (fed the blocks that came first). `want(feeder, rows)` asks the coordinator for more.
 */
export function prepareData(plan: AgentPlan, arrived: ReturnType<DataInbox['take']>, want: (feeder: string, rows: number) => void): PreparedData {
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
      try {
        const rows = rowsFromJson(joined.data.toString('utf8'), `data "${name}"`);
        if (rows.length !== d.totalRows) problems.push(`data "${name}": ${rows.length} rows arrived, the plan says ${d.totalRows}`);
        else data[name] = { mode: d.mode, totalRows: d.totalRows, rows };
      } catch (e) {
        problems.push((e as Error).message);
      }
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
