// Original file: proto/loadfleet/v1/fleet.proto

import type { RowRange as _loadfleet_v1_RowRange, RowRange__Output as _loadfleet_v1_RowRange__Output } from '../../loadfleet/v1/RowRange.js';
import type { Long } from '@grpc/proto-loader';

export interface RowsAccount {
  'runId'?: (string);
  'assignment'?: (number);
  'feeder'?: (string);
  'used'?: (number | string | Long);
  'unused'?: (_loadfleet_v1_RowRange)[];
}

export interface RowsAccount__Output {
  'runId': (string);
  'assignment': (number);
  'feeder': (string);
  'used': (number);
  'unused': (_loadfleet_v1_RowRange__Output)[];
}
