// Original file: proto/loadfleet/v1/fleet.proto

import type { Welcome as _loadfleet_v1_Welcome, Welcome__Output as _loadfleet_v1_Welcome__Output } from '../../loadfleet/v1/Welcome.js';
import type { Assign as _loadfleet_v1_Assign, Assign__Output as _loadfleet_v1_Assign__Output } from '../../loadfleet/v1/Assign.js';
import type { ShareChange as _loadfleet_v1_ShareChange, ShareChange__Output as _loadfleet_v1_ShareChange__Output } from '../../loadfleet/v1/ShareChange.js';
import type { Stop as _loadfleet_v1_Stop, Stop__Output as _loadfleet_v1_Stop__Output } from '../../loadfleet/v1/Stop.js';
import type { Heartbeat as _loadfleet_v1_Heartbeat, Heartbeat__Output as _loadfleet_v1_Heartbeat__Output } from '../../loadfleet/v1/Heartbeat.js';
import type { Ack as _loadfleet_v1_Ack, Ack__Output as _loadfleet_v1_Ack__Output } from '../../loadfleet/v1/Ack.js';
import type { DataChunk as _loadfleet_v1_DataChunk, DataChunk__Output as _loadfleet_v1_DataChunk__Output } from '../../loadfleet/v1/DataChunk.js';
import type { RowBlock as _loadfleet_v1_RowBlock, RowBlock__Output as _loadfleet_v1_RowBlock__Output } from '../../loadfleet/v1/RowBlock.js';
import type { SetupJob as _loadfleet_v1_SetupJob, SetupJob__Output as _loadfleet_v1_SetupJob__Output } from '../../loadfleet/v1/SetupJob.js';
import type { SetupValues as _loadfleet_v1_SetupValues, SetupValues__Output as _loadfleet_v1_SetupValues__Output } from '../../loadfleet/v1/SetupValues.js';

export interface CoordinatorMessage {
  'welcome'?: (_loadfleet_v1_Welcome | null);
  'assign'?: (_loadfleet_v1_Assign | null);
  'shareChange'?: (_loadfleet_v1_ShareChange | null);
  'stop'?: (_loadfleet_v1_Stop | null);
  'heartbeat'?: (_loadfleet_v1_Heartbeat | null);
  'ack'?: (_loadfleet_v1_Ack | null);
  'dataChunk'?: (_loadfleet_v1_DataChunk | null);
  'rowBlock'?: (_loadfleet_v1_RowBlock | null);
  'setupJob'?: (_loadfleet_v1_SetupJob | null);
  'setupValues'?: (_loadfleet_v1_SetupValues | null);
  'kind'?: "welcome"|"assign"|"shareChange"|"stop"|"heartbeat"|"ack"|"dataChunk"|"rowBlock"|"setupJob"|"setupValues";
}

export interface CoordinatorMessage__Output {
  'welcome'?: (_loadfleet_v1_Welcome__Output | null);
  'assign'?: (_loadfleet_v1_Assign__Output | null);
  'shareChange'?: (_loadfleet_v1_ShareChange__Output | null);
  'stop'?: (_loadfleet_v1_Stop__Output | null);
  'heartbeat'?: (_loadfleet_v1_Heartbeat__Output | null);
  'ack'?: (_loadfleet_v1_Ack__Output | null);
  'dataChunk'?: (_loadfleet_v1_DataChunk__Output | null);
  'rowBlock'?: (_loadfleet_v1_RowBlock__Output | null);
  'setupJob'?: (_loadfleet_v1_SetupJob__Output | null);
  'setupValues'?: (_loadfleet_v1_SetupValues__Output | null);
  'kind'?: "welcome"|"assign"|"shareChange"|"stop"|"heartbeat"|"ack"|"dataChunk"|"rowBlock"|"setupJob"|"setupValues";
}
