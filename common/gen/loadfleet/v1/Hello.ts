// Original file: proto/loadfleet/v1/fleet.proto


export interface Hello {
  'agentId'?: (string);
  'protocolVersion'?: (number);
  'version'?: (string);
  'host'?: (string);
  'cores'?: (number);
}

export interface Hello__Output {
  'agentId': (string);
  'protocolVersion': (number);
  'version': (string);
  'host': (string);
  'cores': (number);
}
