// Original file: proto/loadfleet/v1/fleet.proto


export interface Welcome {
  'protocolVersion'?: (number);
  'coordinatorVersion'?: (string);
  'heartbeatIntervalMs'?: (number);
  'heartbeatMissLimit'?: (number);
  'snapshotIntervalMs'?: (number);
}

export interface Welcome__Output {
  'protocolVersion': (number);
  'coordinatorVersion': (string);
  'heartbeatIntervalMs': (number);
  'heartbeatMissLimit': (number);
  'snapshotIntervalMs': (number);
}
