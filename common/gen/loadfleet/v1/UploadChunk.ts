// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadChunk {
  'sha256'?: (string);
  'bytes'?: (number | string | Long);
  'index'?: (number);
  'count'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface UploadChunk__Output {
  'sha256': (string);
  'bytes': (number);
  'index': (number);
  'count': (number);
  'data': (Buffer);
}
