// Original file: proto/loadfleet/v1/fleet.proto

import type { Long } from '@grpc/proto-loader';

export interface Stats {
  'latencyHist'?: (string);
  'serviceHist'?: (string);
  'requests'?: (number | string | Long);
  'sent'?: (number | string | Long);
  'dropped'?: (number | string | Long);
  'errors'?: ({[key: string]: number | string | Long});
  'statusCodes'?: ({[key: number]: number | string | Long});
  'inFlightPeak'?: (number);
  'eventLoopDelayP99Ms'?: (number | string);
  'scheduleLagP99Ms'?: (number | string);
  'bytesReceived'?: (number | string | Long);
  'langJson'?: (string);
  'failedStatusCodes'?: ({[key: number]: number | string | Long});
  'connectHist'?: (string);
  'waitingHist'?: (string);
  'tlsHist'?: (string);
}

export interface Stats__Output {
  'latencyHist': (string);
  'serviceHist': (string);
  'requests': (number);
  'sent': (number);
  'dropped': (number);
  'errors': ({[key: string]: number});
  'statusCodes': ({[key: number]: number});
  'inFlightPeak': (number);
  'eventLoopDelayP99Ms': (number);
  'scheduleLagP99Ms': (number);
  'bytesReceived': (number);
  'langJson': (string);
  'failedStatusCodes': ({[key: number]: number});
  'connectHist': (string);
  'waitingHist': (string);
  'tlsHist': (string);
}
