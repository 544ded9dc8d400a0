// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface RowRange {
  'start'?: (number | string | Long);
  'end'?: (number | string | Long);
}

export interface RowRange__Output {
  'start': (number);
  'end': (number);
}
