// Original file: proto/loadfleet/v1/fleet.proto


export interface SetupValues {
  'runId'?: (string);
  'assignment'?: (number);
  'valuesJson'?: (string);
  'generation'?: (number);
}

export interface SetupValues__Output {
  'runId': (string);
  'assignment': (number);
  'valuesJson': (string);
  'generation': (number);
}
