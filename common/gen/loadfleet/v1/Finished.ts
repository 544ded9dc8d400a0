// Original file: proto/loadfleet/v1/fleet.proto


export interface Finished {
  'reportJson'?: (string);
}

export interface Finished__Output {
  'reportJson': (string);
}
