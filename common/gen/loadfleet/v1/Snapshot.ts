// Original file: proto/loadfleet/v1/fleet.proto

import type { Stats as _loadfleet_v1_Stats, Stats__Output as _loadfleet_v1_Stats__Output } from '../../loadfleet/v1/Stats.js';
import type { Long } from '@grpc/proto-loader';

export interface Snapshot {
  'runId'?: (string);
  'seq'?: (number | string | Long);
  'phase'?: (string);
  'intervalIndex'?: (number);
  'intervalMs'?: (number | string);
  'stats'?: (_loadfleet_v1_Stats | null);
  'rateRps'?: (number | string);
  'concurrency'?: (number);
  'assignment'?: (number);
}

export interface Snapshot__Output {
  'runId': (string);
  'seq': (number);
  'phase': (string);
  'intervalIndex': (number);
  'intervalMs': (number);
  'stats': (_loadfleet_v1_Stats__Output | null);
  'rateRps': (number);
  'concurrency': (number);
  'assignment': (number);
}
