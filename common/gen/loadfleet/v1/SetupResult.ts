// Original file: proto/loadfleet/v1/fleet.proto


export interface SetupResult {
  'runId'?: (string);
  'job'?: (number);
  'ok'?: (boolean);
  'valuesJson'?: (string);
  'message'?: (string);
  'figuresJson'?: (string);
}

export interface SetupResult__Output {
  'runId': (string);
  'job': (number);
  'ok': (boolean);
  'valuesJson': (string);
  'message': (string);
  'figuresJson': (string);
}
