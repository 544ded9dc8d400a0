// Original file: proto/loadfleet/v1/fleet.proto


export interface SetupJob {
  'runId'?: (string);
  'job'?: (number);
  'part'?: (string);
  'planJson'?: (string);
}

export interface SetupJob__Output {
  'runId': (string);
  'job': (number);
  'part': (string);
  'planJson': (string);
}
