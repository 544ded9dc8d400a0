// Original file: proto/loadfleet/v1/fleet.proto


export interface RowsWanted {
  'runId'?: (string);
  'assignment'?: (number);
  'feeder'?: (string);
  'rows'?: (number);
}

export interface RowsWanted__Output {
  'runId': (string);
  'assignment': (number);
  'feeder': (string);
  'rows': (number);
}
