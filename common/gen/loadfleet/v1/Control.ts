// Original file: proto/loadfleet/v1/fleet.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetReportRequest as _loadfleet_v1_GetReportRequest, GetReportRequest__Output as _loadfleet_v1_GetReportRequest__Output } from '../../loadfleet/v1/GetReportRequest.js';
import type { ReportPiece as _loadfleet_v1_ReportPiece, ReportPiece__Output as _loadfleet_v1_ReportPiece__Output } from '../../loadfleet/v1/ReportPiece.js';
import type { RunEvent as _loadfleet_v1_RunEvent, RunEvent__Output as _loadfleet_v1_RunEvent__Output } from '../../loadfleet/v1/RunEvent.js';
import type { SetRateReply as _loadfleet_v1_SetRateReply, SetRateReply__Output as _loadfleet_v1_SetRateReply__Output } from '../../loadfleet/v1/SetRateReply.js';
import type { SetRateRequest as _loadfleet_v1_SetRateRequest, SetRateRequest__Output as _loadfleet_v1_SetRateRequest__Output } from '../../loadfleet/v1/SetRateRequest.js';
import type { StartRequest as _loadfleet_v1_StartRequest, StartRequest__Output as _loadfleet_v1_StartRequest__Output } from '../../loadfleet/v1/StartRequest.js';
import type { StatusReply as _loadfleet_v1_StatusReply, StatusReply__Output as _loadfleet_v1_StatusReply__Output } from '../../loadfleet/v1/StatusReply.js';
import type { StatusRequest as _loadfleet_v1_StatusRequest, StatusRequest__Output as _loadfleet_v1_StatusRequest__Output } from '../../loadfleet/v1/StatusRequest.js';
import type { StopReply as _loadfleet_v1_StopReply, StopReply__Output as _loadfleet_v1_StopReply__Output } from '../../loadfleet/v1/StopReply.js';
import type { StopRequest as _loadfleet_v1_StopRequest, StopRequest__Output as _loadfleet_v1_StopRequest__Output } from '../../loadfleet/v1/StopRequest.js';
import type { UploadChunk as _loadfleet_v1_UploadChunk, UploadChunk__Output as _loadfleet_v1_UploadChunk__Output } from '../../loadfleet/v1/UploadChunk.js';
import type { UploadReply as _loadfleet_v1_UploadReply, UploadReply__Output as _loadfleet_v1_UploadReply__Output } from '../../loadfleet/v1/UploadReply.js';

export interface ControlClient extends grpc.Client {
  GetReport(argument: _loadfleet_v1_GetReportRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_ReportPiece__Output>;
  GetReport(argument: _loadfleet_v1_GetReportRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_ReportPiece__Output>;
  getReport(argument: _loadfleet_v1_GetReportRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_ReportPiece__Output>;
  getReport(argument: _loadfleet_v1_GetReportRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_ReportPiece__Output>;
  
  SetRate(argument: _loadfleet_v1_SetRateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  SetRate(argument: _loadfleet_v1_SetRateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  SetRate(argument: _loadfleet_v1_SetRateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  SetRate(argument: _loadfleet_v1_SetRateRequest, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  setRate(argument: _loadfleet_v1_SetRateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  setRate(argument: _loadfleet_v1_SetRateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  setRate(argument: _loadfleet_v1_SetRateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  setRate(argument: _loadfleet_v1_SetRateRequest, callback: grpc.requestCallback<_loadfleet_v1_SetRateReply__Output>): grpc.ClientUnaryCall;
  
  Start(argument: _loadfleet_v1_StartRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_RunEvent__Output>;
  Start(argument: _loadfleet_v1_StartRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_RunEvent__Output>;
  start(argument: _loadfleet_v1_StartRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_RunEvent__Output>;
  start(argument: _loadfleet_v1_StartRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_loadfleet_v1_RunEvent__Output>;
  
  Status(argument: _loadfleet_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _loadfleet_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _loadfleet_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  Status(argument: _loadfleet_v1_StatusRequest, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _loadfleet_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _loadfleet_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _loadfleet_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  status(argument: _loadfleet_v1_StatusRequest, callback: grpc.requestCallback<_loadfleet_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  Stop(argument: _loadfleet_v1_StopRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _loadfleet_v1_StopRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _loadfleet_v1_StopRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  Stop(argument: _loadfleet_v1_StopRequest, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _loadfleet_v1_StopRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _loadfleet_v1_StopRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _loadfleet_v1_StopRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  stop(argument: _loadfleet_v1_StopRequest, callback: grpc.requestCallback<_loadfleet_v1_StopReply__Output>): grpc.ClientUnaryCall;
  
  Upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  Upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  Upload(options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  Upload(callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  upload(options: grpc.CallOptions, callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  upload(callback: grpc.requestCallback<_loadfleet_v1_UploadReply__Output>): grpc.ClientWritableStream<_loadfleet_v1_UploadChunk>;
  
}

export interface ControlHandlers extends grpc.UntypedServiceImplementation {
  GetReport: grpc.handleServerStreamingCall<_loadfleet_v1_GetReportRequest__Output, _loadfleet_v1_ReportPiece>;
  
  SetRate: grpc.handleUnaryCall<_loadfleet_v1_SetRateRequest__Output, _loadfleet_v1_SetRateReply>;
  
  Start: grpc.handleServerStreamingCall<_loadfleet_v1_StartRequest__Output, _loadfleet_v1_RunEvent>;
  
  Status: grpc.handleUnaryCall<_loadfleet_v1_StatusRequest__Output, _loadfleet_v1_StatusReply>;
  
  Stop: grpc.handleUnaryCall<_loadfleet_v1_StopRequest__Output, _loadfleet_v1_StopReply>;
  
  Upload: grpc.handleClientStreamingCall<_loadfleet_v1_UploadChunk__Output, _loadfleet_v1_UploadReply>;
  
}

export interface ControlDefinition extends grpc.ServiceDefinition {
  GetReport: MethodDefinition<_loadfleet_v1_GetReportRequest, _loadfleet_v1_ReportPiece, _loadfleet_v1_GetReportRequest__Output, _loadfleet_v1_ReportPiece__Output>
  SetRate: MethodDefinition<_loadfleet_v1_SetRateRequest, _loadfleet_v1_SetRateReply, _loadfleet_v1_SetRateRequest__Output, _loadfleet_v1_SetRateReply__Output>
  Start: MethodDefinition<_loadfleet_v1_StartRequest, _loadfleet_v1_RunEvent, _loadfleet_v1_StartRequest__Output, _loadfleet_v1_RunEvent__Output>
  Status: MethodDefinition<_loadfleet_v1_StatusRequest, _loadfleet_v1_StatusReply, _loadfleet_v1_StatusRequest__Output, _loadfleet_v1_StatusReply__Output>
  Stop: MethodDefinition<_loadfleet_v1_StopRequest, _loadfleet_v1_StopReply, _loadfleet_v1_StopRequest__Output, _loadfleet_v1_StopReply__Output>
  Upload: MethodDefinition<_loadfleet_v1_UploadChunk, _loadfleet_v1_UploadReply, _loadfleet_v1_UploadChunk__Output, _loadfleet_v1_UploadReply__Output>
}
