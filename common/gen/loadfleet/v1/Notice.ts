// Original file: proto/loadfleet/v1/fleet.proto


export interface Notice {
  'level'?: (string);
  'message'?: (string);
}

export interface Notice__Output {
  'level': (string);
  'message': (string);
}
