// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadReply {
  'sha256'?: (string);
  'bytes'?: (number | string | Long);
}

export interface UploadReply__Output {
  'sha256': (string);
  'bytes': (number);
}
