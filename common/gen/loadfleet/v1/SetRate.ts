// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface SetRate {
  'runId'?: (string);
  'rateRps'?: (number | string);
  'concurrency'?: (number);
  'rampMs'?: (number);
  'changeId'?: (number | string | Long);
  'assignment'?: (number);
  'tailJson'?: (string);
  'scenario'?: (string);
}

export interface SetRate__Output {
  'runId': (string);
  'rateRps': (number);
  'concurrency': (number);
  'rampMs': (number);
  'changeId': (number);
  'assignment': (number);
  'tailJson': (string);
  'scenario': (string);
}
