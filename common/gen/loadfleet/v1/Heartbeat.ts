// Original file: proto/loadfleet/v1/fleet.proto


export interface Heartbeat {
  'sentAtMs'?: (number | string);
}

export interface Heartbeat__Output {
  'sentAtMs': (number);
}
