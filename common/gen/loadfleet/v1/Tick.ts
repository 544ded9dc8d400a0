// Original file: proto/loadfleet/v1/fleet.proto


export interface Tick {
  'json'?: (string);
}

export interface Tick__Output {
  'json': (string);
}
