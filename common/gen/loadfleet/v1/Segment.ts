// Original file: proto/loadfleet/v1/fleet.proto


export interface Segment {
  'durationMs'?: (number | string);
  'from'?: (number | string);
  'to'?: (number | string);
}

export interface Segment__Output {
  'durationMs': (number);
  'from': (number);
  'to': (number);
}
