// Original file: proto/loadfleet/v1/fleet.proto


export interface StopReply {
  'wasRunning'?: (boolean);
}

export interface StopReply__Output {
  'wasRunning': (boolean);
}
