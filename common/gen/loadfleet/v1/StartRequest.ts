// Original file: proto/loadfleet/v1/fleet.proto


export interface StartRequest {
  'scenarioJson'?: (string);
  'minAgents'?: (number);
  'waitAgentsMs'?: (number);
  'onAgentLoss'?: (string);
  'dataSha256'?: ({[key: string]: string});
}

export interface StartRequest__Output {
  'scenarioJson': (string);
  'minAgents': (number);
  'waitAgentsMs': (number);
  'onAgentLoss': (string);
  'dataSha256': ({[key: string]: string});
}
