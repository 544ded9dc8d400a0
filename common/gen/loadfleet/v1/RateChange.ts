// Original file: proto/loadfleet/v1/fleet.proto


export interface RateChange {
  'rateRps'?: (number | string);
  'rampMs'?: (number);
}

export interface RateChange__Output {
  'rateRps': (number);
  'rampMs': (number);
}
