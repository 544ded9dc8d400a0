// Original file: proto/loadfleet/v1/fleet.proto


export interface Assign {
  'runId'?: (string);
  'planJson'?: (string);
}

export interface Assign__Output {
  'runId': (string);
  'planJson': (string);
}
