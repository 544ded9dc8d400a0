// Original file: proto/loadfleet/v1/fleet.proto


export interface SetRateRequest {
  'rateRps'?: (number | string);
  'concurrency'?: (number);
  'rampMs'?: (number);
  'scenario'?: (string);
}

export interface SetRateRequest__Output {
  'rateRps': (number);
  'concurrency': (number);
  'rampMs': (number);
  'scenario': (string);
}
