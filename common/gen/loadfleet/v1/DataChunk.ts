// Original file: proto/loadfleet/v1/fleet.proto


export interface DataChunk {
  'runId'?: (string);
  'assignment'?: (number);
  'feeder'?: (string);
  'index'?: (number);
  'count'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface DataChunk__Output {
  'runId': (string);
  'assignment': (number);
  'feeder': (string);
  'index': (number);
  'count': (number);
  'data': (Buffer);
}
