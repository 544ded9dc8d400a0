// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface ReportPiece {
  'runId'?: (string);
  'index'?: (number);
  'count'?: (number);
  'bytes'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ReportPiece__Output {
  'runId': (string);
  'index': (number);
  'count': (number);
  'bytes': (number);
  'data': (Buffer);
}
