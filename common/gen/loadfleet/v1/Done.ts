// Original file: proto/loadfleet/v1/fleet.proto

import type { Stats as _loadfleet_v1_Stats, Stats__Output as _loadfleet_v1_Stats__Output } from '../../loadfleet/v1/Stats.js';
import type { Long } from '@grpc/proto-loader';

export interface Done {
  'runId'?: (string);
  'lastSeq'?: (number | string | Long);
  'main'?: (_loadfleet_v1_Stats | null);
  'warmup'?: (_loadfleet_v1_Stats | null);
  'durationMs'?: (number | string);
  'assignment'?: (number);
}

export interface Done__Output {
  'runId': (string);
  'lastSeq': (number);
  'main': (_loadfleet_v1_Stats__Output | null);
  'warmup': (_loadfleet_v1_Stats__Output | null);
  'durationMs': (number);
  'assignment': (number);
}
