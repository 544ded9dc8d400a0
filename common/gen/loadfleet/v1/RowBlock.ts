// Original file: proto/loadfleet/v1/fleet.proto

import type { RowRange as _loadfleet_v1_RowRange, RowRange__Output as _loadfleet_v1_RowRange__Output } from '../../loadfleet/v1/RowRange.js';

export interface RowBlock {
  'runId'?: (string);
  'assignment'?: (number);
  'feeder'?: (string);
  'ranges'?: (_loadfleet_v1_RowRange)[];
  'rowsJson'?: (string);
  'exhausted'?: (boolean);
}

export interface RowBlock__Output {
  'runId': (string);
  'assignment': (number);
  'feeder': (string);
  'ranges': (_loadfleet_v1_RowRange__Output)[];
  'rowsJson': (string);
  'exhausted': (boolean);
}
