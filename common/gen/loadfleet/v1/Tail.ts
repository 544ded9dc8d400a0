// Original file: proto/loadfleet/v1/fleet.proto

import type { Segment as _loadfleet_v1_Segment, Segment__Output as _loadfleet_v1_Segment__Output } from '../../loadfleet/v1/Segment.js';

export interface Tail {
  'segments'?: (_loadfleet_v1_Segment)[];
}

export interface Tail__Output {
  'segments': (_loadfleet_v1_Segment__Output)[];
}
