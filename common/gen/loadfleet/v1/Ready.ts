// Original file: proto/loadfleet/v1/fleet.proto


export interface Ready {
  'runId'?: (string);
}

export interface Ready__Output {
  'runId': (string);
}
