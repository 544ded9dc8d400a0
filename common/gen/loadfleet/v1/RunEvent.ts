// Original file: proto/loadfleet/v1/fleet.proto

import type { Started as _loadfleet_v1_Started, Started__Output as _loadfleet_v1_Started__Output } from '../../loadfleet/v1/Started.js';
import type { Tick as _loadfleet_v1_Tick, Tick__Output as _loadfleet_v1_Tick__Output } from '../../loadfleet/v1/Tick.js';
import type { Finished as _loadfleet_v1_Finished, Finished__Output as _loadfleet_v1_Finished__Output } from '../../loadfleet/v1/Finished.js';
import type { Notice as _loadfleet_v1_Notice, Notice__Output as _loadfleet_v1_Notice__Output } from '../../loadfleet/v1/Notice.js';

export interface RunEvent {
  'started'?: (_loadfleet_v1_Started | null);
  'tick'?: (_loadfleet_v1_Tick | null);
  'finished'?: (_loadfleet_v1_Finished | null);
  'notice'?: (_loadfleet_v1_Notice | null);
  'kind'?: "started"|"tick"|"finished"|"notice";
}

export interface RunEvent__Output {
  'started'?: (_loadfleet_v1_Started__Output | null);
  'tick'?: (_loadfleet_v1_Tick__Output | null);
  'finished'?: (_loadfleet_v1_Finished__Output | null);
  'notice'?: (_loadfleet_v1_Notice__Output | null);
  'kind'?: "started"|"tick"|"finished"|"notice";
}
