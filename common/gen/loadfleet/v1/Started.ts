// Original file: proto/loadfleet/v1/fleet.proto


export interface Started {
  'runId'?: (string);
  'agentIds'?: (string)[];
}

export interface Started__Output {
  'runId': (string);
  'agentIds': (string)[];
}
