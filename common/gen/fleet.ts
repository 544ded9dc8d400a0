import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Ack as _loadfleet_v1_Ack, Ack__Output as _loadfleet_v1_Ack__Output } from './loadfleet/v1/Ack.js';
import type { AgentMessage as _loadfleet_v1_AgentMessage, AgentMessage__Output as _loadfleet_v1_AgentMessage__Output } from './loadfleet/v1/AgentMessage.js';
import type { Applied as _loadfleet_v1_Applied, Applied__Output as _loadfleet_v1_Applied__Output } from './loadfleet/v1/Applied.js';
import type { Assign as _loadfleet_v1_Assign, Assign__Output as _loadfleet_v1_Assign__Output } from './loadfleet/v1/Assign.js';
import type { ControlClient as _loadfleet_v1_ControlClient, ControlDefinition as _loadfleet_v1_ControlDefinition } from './loadfleet/v1/Control.js';
import type { CoordinatorMessage as _loadfleet_v1_CoordinatorMessage, CoordinatorMessage__Output as _loadfleet_v1_CoordinatorMessage__Output } from './loadfleet/v1/CoordinatorMessage.js';
import type { DataChunk as _loadfleet_v1_DataChunk, DataChunk__Output as _loadfleet_v1_DataChunk__Output } from './loadfleet/v1/DataChunk.js';
import type { Done as _loadfleet_v1_Done, Done__Output as _loadfleet_v1_Done__Output } from './loadfleet/v1/Done.js';
import type { Failure as _loadfleet_v1_Failure, Failure__Output as _loadfleet_v1_Failure__Output } from './loadfleet/v1/Failure.js';
import type { Finished as _loadfleet_v1_Finished, Finished__Output as _loadfleet_v1_Finished__Output } from './loadfleet/v1/Finished.js';
import type { FleetClient as _loadfleet_v1_FleetClient, FleetDefinition as _loadfleet_v1_FleetDefinition } from './loadfleet/v1/Fleet.js';
import type { GetReportRequest as _loadfleet_v1_GetReportRequest, GetReportRequest__Output as _loadfleet_v1_GetReportRequest__Output } from './loadfleet/v1/GetReportRequest.js';
import type { Heartbeat as _loadfleet_v1_Heartbeat, Heartbeat__Output as _loadfleet_v1_Heartbeat__Output } from './loadfleet/v1/Heartbeat.js';
import type { Hello as _loadfleet_v1_Hello, Hello__Output as _loadfleet_v1_Hello__Output } from './loadfleet/v1/Hello.js';
import type { Leaving as _loadfleet_v1_Leaving, Leaving__Output as _loadfleet_v1_Leaving__Output } from './loadfleet/v1/Leaving.js';
import type { LimitCapped as _loadfleet_v1_LimitCapped, LimitCapped__Output as _loadfleet_v1_LimitCapped__Output } from './loadfleet/v1/LimitCapped.js';
import type { LoopChange as _loadfleet_v1_LoopChange, LoopChange__Output as _loadfleet_v1_LoopChange__Output } from './loadfleet/v1/LoopChange.js';
import type { Notice as _loadfleet_v1_Notice, Notice__Output as _loadfleet_v1_Notice__Output } from './loadfleet/v1/Notice.js';
import type { RateChange as _loadfleet_v1_RateChange, RateChange__Output as _loadfleet_v1_RateChange__Output } from './loadfleet/v1/RateChange.js';
import type { Ready as _loadfleet_v1_Ready, Ready__Output as _loadfleet_v1_Ready__Output } from './loadfleet/v1/Ready.js';
import type { ReportPiece as _loadfleet_v1_ReportPiece, ReportPiece__Output as _loadfleet_v1_ReportPiece__Output } from './loadfleet/v1/ReportPiece.js';
import type { RowBlock as _loadfleet_v1_RowBlock, RowBlock__Output as _loadfleet_v1_RowBlock__Output } from './loadfleet/v1/RowBlock.js';
import type { RowRange as _loadfleet_v1_RowRange, RowRange__Output as _loadfleet_v1_RowRange__Output } from './loadfleet/v1/RowRange.js';
import type { RowsAccount as _loadfleet_v1_RowsAccount, RowsAccount__Output as _loadfleet_v1_RowsAccount__Output } from './loadfleet/v1/RowsAccount.js';
import type { RowsWanted as _loadfleet_v1_RowsWanted, RowsWanted__Output as _loadfleet_v1_RowsWanted__Output } from './loadfleet/v1/RowsWanted.js';
import type { RunEvent as _loadfleet_v1_RunEvent, RunEvent__Output as _loadfleet_v1_RunEvent__Output } from './loadfleet/v1/RunEvent.js';
import type { Segment as _loadfleet_v1_Segment, Segment__Output as _loadfleet_v1_Segment__Output } from './loadfleet/v1/Segment.js';
import type { SetRateReply as _loadfleet_v1_SetRateReply, SetRateReply__Output as _loadfleet_v1_SetRateReply__Output } from './loadfleet/v1/SetRateReply.js';
import type { SetRateRequest as _loadfleet_v1_SetRateRequest, SetRateRequest__Output as _loadfleet_v1_SetRateRequest__Output } from './loadfleet/v1/SetRateRequest.js';
import type { SetupJob as _loadfleet_v1_SetupJob, SetupJob__Output as _loadfleet_v1_SetupJob__Output } from './loadfleet/v1/SetupJob.js';
import type { SetupResult as _loadfleet_v1_SetupResult, SetupResult__Output as _loadfleet_v1_SetupResult__Output } from './loadfleet/v1/SetupResult.js';
import type { SetupValues as _loadfleet_v1_SetupValues, SetupValues__Output as _loadfleet_v1_SetupValues__Output } from './loadfleet/v1/SetupValues.js';
import type { ShareChange as _loadfleet_v1_ShareChange, ShareChange__Output as _loadfleet_v1_ShareChange__Output } from './loadfleet/v1/ShareChange.js';
import type { Snapshot as _loadfleet_v1_Snapshot, Snapshot__Output as _loadfleet_v1_Snapshot__Output } from './loadfleet/v1/Snapshot.js';
import type { StartRequest as _loadfleet_v1_StartRequest, StartRequest__Output as _loadfleet_v1_StartRequest__Output } from './loadfleet/v1/StartRequest.js';
import type { Started as _loadfleet_v1_Started, Started__Output as _loadfleet_v1_Started__Output } from './loadfleet/v1/Started.js';
import type { Stats as _loadfleet_v1_Stats, Stats__Output as _loadfleet_v1_Stats__Output } from './loadfleet/v1/Stats.js';
import type { StatusReply as _loadfleet_v1_StatusReply, StatusReply__Output as _loadfleet_v1_StatusReply__Output } from './loadfleet/v1/StatusReply.js';
import type { StatusRequest as _loadfleet_v1_StatusRequest, StatusRequest__Output as _loadfleet_v1_StatusRequest__Output } from './loadfleet/v1/StatusRequest.js';
import type { Stop as _loadfleet_v1_Stop, Stop__Output as _loadfleet_v1_Stop__Output } from './loadfleet/v1/Stop.js';
import type { StopReply as _loadfleet_v1_StopReply, StopReply__Output as _loadfleet_v1_StopReply__Output } from './loadfleet/v1/StopReply.js';
import type { StopRequest as _loadfleet_v1_StopRequest, StopRequest__Output as _loadfleet_v1_StopRequest__Output } from './loadfleet/v1/StopRequest.js';
import type { Tail as _loadfleet_v1_Tail, Tail__Output as _loadfleet_v1_Tail__Output } from './loadfleet/v1/Tail.js';
import type { Tick as _loadfleet_v1_Tick, Tick__Output as _loadfleet_v1_Tick__Output } from './loadfleet/v1/Tick.js';
import type { UploadChunk as _loadfleet_v1_UploadChunk, UploadChunk__Output as _loadfleet_v1_UploadChunk__Output } from './loadfleet/v1/UploadChunk.js';
import type { UploadReply as _loadfleet_v1_UploadReply, UploadReply__Output as _loadfleet_v1_UploadReply__Output } from './loadfleet/v1/UploadReply.js';
import type { Welcome as _loadfleet_v1_Welcome, Welcome__Output as _loadfleet_v1_Welcome__Output } from './loadfleet/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  loadfleet: {
    v1: {
      Ack: MessageTypeDefinition<_loadfleet_v1_Ack, _loadfleet_v1_Ack__Output>
      AgentMessage: MessageTypeDefinition<_loadfleet_v1_AgentMessage, _loadfleet_v1_AgentMessage__Output>
      Applied: MessageTypeDefinition<_loadfleet_v1_Applied, _loadfleet_v1_Applied__Output>
      Assign: MessageTypeDefinition<_loadfleet_v1_Assign, _loadfleet_v1_Assign__Output>
      Control: SubtypeConstructor<typeof grpc.Client, _loadfleet_v1_ControlClient> & { service: _loadfleet_v1_ControlDefinition }
      CoordinatorMessage: MessageTypeDefinition<_loadfleet_v1_CoordinatorMessage, _loadfleet_v1_CoordinatorMessage__Output>
      DataChunk: MessageTypeDefinition<_loadfleet_v1_DataChunk, _loadfleet_v1_DataChunk__Output>
      Done: MessageTypeDefinition<_loadfleet_v1_Done, _loadfleet_v1_Done__Output>
      Failure: MessageTypeDefinition<_loadfleet_v1_Failure, _loadfleet_v1_Failure__Output>
      Finished: MessageTypeDefinition<_loadfleet_v1_Finished, _loadfleet_v1_Finished__Output>
      Fleet: SubtypeConstructor<typeof grpc.Client, _loadfleet_v1_FleetClient> & { service: _loadfleet_v1_FleetDefinition }
      GetReportRequest: MessageTypeDefinition<_loadfleet_v1_GetReportRequest, _loadfleet_v1_GetReportRequest__Output>
      Heartbeat: MessageTypeDefinition<_loadfleet_v1_Heartbeat, _loadfleet_v1_Heartbeat__Output>
      Hello: MessageTypeDefinition<_loadfleet_v1_Hello, _loadfleet_v1_Hello__Output>
      Leaving: MessageTypeDefinition<_loadfleet_v1_Leaving, _loadfleet_v1_Leaving__Output>
      LimitCapped: MessageTypeDefinition<_loadfleet_v1_LimitCapped, _loadfleet_v1_LimitCapped__Output>
      LoopChange: MessageTypeDefinition<_loadfleet_v1_LoopChange, _loadfleet_v1_LoopChange__Output>
      Notice: MessageTypeDefinition<_loadfleet_v1_Notice, _loadfleet_v1_Notice__Output>
      RateChange: MessageTypeDefinition<_loadfleet_v1_RateChange, _loadfleet_v1_RateChange__Output>
      Ready: MessageTypeDefinition<_loadfleet_v1_Ready, _loadfleet_v1_Ready__Output>
      ReportPiece: MessageTypeDefinition<_loadfleet_v1_ReportPiece, _loadfleet_v1_ReportPiece__Output>
      RowBlock: MessageTypeDefinition<_loadfleet_v1_RowBlock, _loadfleet_v1_RowBlock__Output>
      RowRange: MessageTypeDefinition<_loadfleet_v1_RowRange, _loadfleet_v1_RowRange__Output>
      RowsAccount: MessageTypeDefinition<_loadfleet_v1_RowsAccount, _loadfleet_v1_RowsAccount__Output>
      RowsWanted: MessageTypeDefinition<_loadfleet_v1_RowsWanted, _loadfleet_v1_RowsWanted__Output>
      RunEvent: MessageTypeDefinition<_loadfleet_v1_RunEvent, _loadfleet_v1_RunEvent__Output>
      Segment: MessageTypeDefinition<_loadfleet_v1_Segment, _loadfleet_v1_Segment__Output>
      SetRateReply: MessageTypeDefinition<_loadfleet_v1_SetRateReply, _loadfleet_v1_SetRateReply__Output>
      SetRateRequest: MessageTypeDefinition<_loadfleet_v1_SetRateRequest, _loadfleet_v1_SetRateRequest__Output>
      SetupJob: MessageTypeDefinition<_loadfleet_v1_SetupJob, _loadfleet_v1_SetupJob__Output>
      SetupResult: MessageTypeDefinition<_loadfleet_v1_SetupResult, _loadfleet_v1_SetupResult__Output>
      SetupValues: MessageTypeDefinition<_loadfleet_v1_SetupValues, _loadfleet_v1_SetupValues__Output>
      ShareChange: MessageTypeDefinition<_loadfleet_v1_ShareChange, _loadfleet_v1_ShareChange__Output>
      Snapshot: MessageTypeDefinition<_loadfleet_v1_Snapshot, _loadfleet_v1_Snapshot__Output>
      StartRequest: MessageTypeDefinition<_loadfleet_v1_StartRequest, _loadfleet_v1_StartRequest__Output>
      Started: MessageTypeDefinition<_loadfleet_v1_Started, _loadfleet_v1_Started__Output>
      Stats: MessageTypeDefinition<_loadfleet_v1_Stats, _loadfleet_v1_Stats__Output>
      StatusReply: MessageTypeDefinition<_loadfleet_v1_StatusReply, _loadfleet_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_loadfleet_v1_StatusRequest, _loadfleet_v1_StatusRequest__Output>
      Stop: MessageTypeDefinition<_loadfleet_v1_Stop, _loadfleet_v1_Stop__Output>
      StopReply: MessageTypeDefinition<_loadfleet_v1_StopReply, _loadfleet_v1_StopReply__Output>
      StopRequest: MessageTypeDefinition<_loadfleet_v1_StopRequest, _loadfleet_v1_StopRequest__Output>
      Tail: MessageTypeDefinition<_loadfleet_v1_Tail, _loadfleet_v1_Tail__Output>
      Tick: MessageTypeDefinition<_loadfleet_v1_Tick, _loadfleet_v1_Tick__Output>
      UploadChunk: MessageTypeDefinition<_loadfleet_v1_UploadChunk, _loadfleet_v1_UploadChunk__Output>
      UploadReply: MessageTypeDefinition<_loadfleet_v1_UploadReply, _loadfleet_v1_UploadReply__Output>
      Welcome: MessageTypeDefinition<_loadfleet_v1_Welcome, _loadfleet_v1_Welcome__Output>
    }
  }
}

