// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface Applied {
  'runId'?: (string);
  'assignment'?: (number);
  'changeId'?: (number | string | Long);
  'appliedAtMs'?: (number | string);
}

export interface Applied__Output {
  'runId': (string);
  'assignment': (number);
  'changeId': (number);
  'appliedAtMs': (number);
}
