// Original file: proto/loadfleet/v1/fleet.proto

import type { RateChange as _loadfleet_v1_RateChange, RateChange__Output as _loadfleet_v1_RateChange__Output } from '../../loadfleet/v1/RateChange.js';
import type { LoopChange as _loadfleet_v1_LoopChange, LoopChange__Output as _loadfleet_v1_LoopChange__Output } from '../../loadfleet/v1/LoopChange.js';

export interface SetRateRequest {
  'scenario'?: (string);
  'rate'?: (_loadfleet_v1_RateChange | null);
  'loops'?: (_loadfleet_v1_LoopChange | null);
  'change'?: "rate"|"loops";
}

export interface SetRateRequest__Output {
  'scenario': (string);
  'rate'?: (_loadfleet_v1_RateChange__Output | null);
  'loops'?: (_loadfleet_v1_LoopChange__Output | null);
  'change'?: "rate"|"loops";
}
