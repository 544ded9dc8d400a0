// Original file: proto/loadfleet/v1/fleet.proto


export interface Stop {
  'runId'?: (string);
  'reason'?: (string);
}

export interface Stop__Output {
  'runId': (string);
  'reason': (string);
}
