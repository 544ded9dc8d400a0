// Original file: proto/loadfleet/v1/fleet.proto


export interface StopRequest {
  'reason'?: (string);
}

export interface StopRequest__Output {
  'reason': (string);
}
