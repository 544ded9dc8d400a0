// Original file: proto/loadfleet/v1/fleet.proto


export interface Ready {
  'runId'?: (string);
  'assignment'?: (number);
}

export interface Ready__Output {
  'runId': (string);
  'assignment': (number);
}
