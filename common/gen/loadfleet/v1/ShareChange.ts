// Original file: proto/loadfleet/v1/fleet.proto

import type { Tail as _loadfleet_v1_Tail, Tail__Output as _loadfleet_v1_Tail__Output } from '../../loadfleet/v1/Tail.js';
import type { Long } from '@grpc/proto-loader';

export interface ShareChange {
  'runId'?: (string);
  'assignment'?: (number);
  'changeId'?: (number | string | Long);
  'scenario'?: (string);
  'rates'?: (_loadfleet_v1_Tail | null);
  'loops'?: (_loadfleet_v1_Tail | null);
  'share'?: "rates"|"loops";
}

export interface ShareChange__Output {
  'runId': (string);
  'assignment': (number);
  'changeId': (number);
  'scenario': (string);
  'rates'?: (_loadfleet_v1_Tail__Output | null);
  'loops'?: (_loadfleet_v1_Tail__Output | null);
  'share'?: "rates"|"loops";
}
