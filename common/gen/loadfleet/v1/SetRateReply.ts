// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface SetRateReply {
  'changeId'?: (number | string | Long);
  'agents'?: (number);
  'applied'?: (number);
  'appliedMs'?: (number | string);
}

export interface SetRateReply__Output {
  'changeId': (number);
  'agents': (number);
  'applied': (number);
  'appliedMs': (number);
}
