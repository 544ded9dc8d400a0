// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface LimitCapped {
  'runId'?: (string);
  'assignment'?: (number);
  'changeId'?: (number | string | Long);
  'message'?: (string);
}

export interface LimitCapped__Output {
  'runId': (string);
  'assignment': (number);
  'changeId': (number);
  'message': (string);
}
