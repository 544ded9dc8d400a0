// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface Finished {
  'reportJson'?: (string);
  'runId'?: (string);
  'reportBytes'?: (number | string | Long);
}

export interface Finished__Output {
  'reportJson': (string);
  'runId': (string);
  'reportBytes': (number);
}
