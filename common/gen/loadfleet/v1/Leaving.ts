// Original file: proto/loadfleet/v1/fleet.proto


export interface Leaving {
  'runId'?: (string);
  'assignment'?: (number);
  'reason'?: (string);
}

export interface Leaving__Output {
  'runId': (string);
  'assignment': (number);
  'reason': (string);
}
