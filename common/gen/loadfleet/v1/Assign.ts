// Original file: proto/loadfleet/v1/fleet.proto


export interface Assign {
  'runId'?: (string);
  'planJson'?: (string);
  'assignment'?: (number);
}

export interface Assign__Output {
  'runId': (string);
  'planJson': (string);
  'assignment': (number);
}
