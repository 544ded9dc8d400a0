// Original file: proto/loadfleet/v1/fleet.proto

import type { Hello as _loadfleet_v1_Hello, Hello__Output as _loadfleet_v1_Hello__Output } from '../../loadfleet/v1/Hello.js';
import type { Ready as _loadfleet_v1_Ready, Ready__Output as _loadfleet_v1_Ready__Output } from '../../loadfleet/v1/Ready.js';
import type { Snapshot as _loadfleet_v1_Snapshot, Snapshot__Output as _loadfleet_v1_Snapshot__Output } from '../../loadfleet/v1/Snapshot.js';
import type { Heartbeat as _loadfleet_v1_Heartbeat, Heartbeat__Output as _loadfleet_v1_Heartbeat__Output } from '../../loadfleet/v1/Heartbeat.js';
import type { Done as _loadfleet_v1_Done, Done__Output as _loadfleet_v1_Done__Output } from '../../loadfleet/v1/Done.js';
import type { Failure as _loadfleet_v1_Failure, Failure__Output as _loadfleet_v1_Failure__Output } from '../../loadfleet/v1/Failure.js';
import type { Applied as _loadfleet_v1_Applied, Applied__Output as _loadfleet_v1_Applied__Output } from '../../loadfleet/v1/Applied.js';
import type { Leaving as _loadfleet_v1_Leaving, Leaving__Output as _loadfleet_v1_Leaving__Output } from '../../loadfleet/v1/Leaving.js';
import type { RowsWanted as _loadfleet_v1_RowsWanted, RowsWanted__Output as _loadfleet_v1_RowsWanted__Output } from '../../loadfleet/v1/RowsWanted.js';
import type { RowsAccount as _loadfleet_v1_RowsAccount, RowsAccount__Output as _loadfleet_v1_RowsAccount__Output } from '../../loadfleet/v1/RowsAccount.js';
import type { LimitCapped as _loadfleet_v1_LimitCapped, LimitCapped__Output as _loadfleet_v1_LimitCapped__Output } from '../../loadfleet/v1/LimitCapped.js';
import type { SetupResult as _loadfleet_v1_SetupResult, SetupResult__Output as _loadfleet_v1_SetupResult__Output } from '../../loadfleet/v1/SetupResult.js';

export interface AgentMessage {
  'hello'?: (_loadfleet_v1_Hello | null);
  'ready'?: (_loadfleet_v1_Ready | null);
  'snapshot'?: (_loadfleet_v1_Snapshot | null);
  'heartbeat'?: (_loadfleet_v1_Heartbeat | null);
  'done'?: (_loadfleet_v1_Done | null);
  'failure'?: (_loadfleet_v1_Failure | null);
  'applied'?: (_loadfleet_v1_Applied | null);
  'leaving'?: (_loadfleet_v1_Leaving | null);
  'rowsWanted'?: (_loadfleet_v1_RowsWanted | null);
  'rowsAccount'?: (_loadfleet_v1_RowsAccount | null);
  'limitCapped'?: (_loadfleet_v1_LimitCapped | null);
  'setupResult'?: (_loadfleet_v1_SetupResult | null);
  'kind'?: "hello"|"ready"|"snapshot"|"heartbeat"|"done"|"failure"|"applied"|"leaving"|"rowsWanted"|"rowsAccount"|"limitCapped"|"setupResult";
}

export interface AgentMessage__Output {
  'hello'?: (_loadfleet_v1_Hello__Output | null);
  'ready'?: (_loadfleet_v1_Ready__Output | null);
  'snapshot'?: (_loadfleet_v1_Snapshot__Output | null);
  'heartbeat'?: (_loadfleet_v1_Heartbeat__Output | null);
  'done'?: (_loadfleet_v1_Done__Output | null);
  'failure'?: (_loadfleet_v1_Failure__Output | null);
  'applied'?: (_loadfleet_v1_Applied__Output | null);
  'leaving'?: (_loadfleet_v1_Leaving__Output | null);
  'rowsWanted'?: (_loadfleet_v1_RowsWanted__Output | null);
  'rowsAccount'?: (_loadfleet_v1_RowsAccount__Output | null);
  'limitCapped'?: (_loadfleet_v1_LimitCapped__Output | null);
  'setupResult'?: (_loadfleet_v1_SetupResult__Output | null);
  'kind'?: "hello"|"ready"|"snapshot"|"heartbeat"|"done"|"failure"|"applied"|"leaving"|"rowsWanted"|"rowsAccount"|"limitCapped"|"setupResult";
}
