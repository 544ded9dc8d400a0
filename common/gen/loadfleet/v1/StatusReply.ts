// Original file: proto/loadfleet/v1/fleet.proto


export interface StatusReply {
  'json'?: (string);
}

export interface StatusReply__Output {
  'json': (string);
}
