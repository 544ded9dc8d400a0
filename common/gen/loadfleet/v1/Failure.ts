// Original file: proto/loadfleet/v1/fleet.proto


export interface Failure {
  'runId'?: (string);
  'code'?: (string);
  'message'?: (string);
  'assignment'?: (number);
}

export interface Failure__Output {
  'runId': (string);
  'code': (string);
  'message': (string);
  'assignment': (number);
}
