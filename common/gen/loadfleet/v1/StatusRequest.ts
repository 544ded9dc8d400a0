// Original file: proto/loadfleet/v1/fleet.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
