// Original file: proto/loadfleet/v1/fleet.proto


export interface GetReportRequest {
  'runId'?: (string);
}

export interface GetReportRequest__Output {
  'runId': (string);
}
