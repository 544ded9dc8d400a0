// Original file: proto/loadfleet/v1/fleet.proto


export interface LoopChange {
  'loops'?: (number);
}

export interface LoopChange__Output {
  'loops': (number);
}
