// Original file: proto/loadfleet/v1/fleet.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _loadfleet_v1_AgentMessage, AgentMessage__Output as _loadfleet_v1_AgentMessage__Output } from '../../loadfleet/v1/AgentMessage.js';
import type { CoordinatorMessage as _loadfleet_v1_CoordinatorMessage, CoordinatorMessage__Output as _loadfleet_v1_CoordinatorMessage__Output } from '../../loadfleet/v1/CoordinatorMessage.js';

export interface FleetClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_loadfleet_v1_AgentMessage, _loadfleet_v1_CoordinatorMessage__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_loadfleet_v1_AgentMessage, _loadfleet_v1_CoordinatorMessage__Output>;
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_loadfleet_v1_AgentMessage, _loadfleet_v1_CoordinatorMessage__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_loadfleet_v1_AgentMessage, _loadfleet_v1_CoordinatorMessage__Output>;
  
}

export interface FleetHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleBidiStreamingCall<_loadfleet_v1_AgentMessage__Output, _loadfleet_v1_CoordinatorMessage>;
  
}

export interface FleetDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_loadfleet_v1_AgentMessage, _loadfleet_v1_CoordinatorMessage, _loadfleet_v1_AgentMessage__Output, _loadfleet_v1_CoordinatorMessage__Output>
}
