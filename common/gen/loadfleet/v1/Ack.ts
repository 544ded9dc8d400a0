// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface Ack {
  'runId'?: (string);
  'assignment'?: (number);
  'seq'?: (number | string | Long);
  'done'?: (boolean);
  'unknownRun'?: (boolean);
}

export interface Ack__Output {
  'runId': (string);
  'assignment': (number);
  'seq': (number);
  'done': (boolean);
  'unknownRun': (boolean);
}
