// Wire types of the network routes, from the Docker Engine API (swagger Network, NetworkCreateRequest,
// NetworkConnectRequest). Invariant: maps are {} and lists [] where Docker never sends null (compose v1 compares
// Options and IPAM with what it asked for, so they are echoed exactly).

import type { EndpointSettings } from './containers.js';

export interface NetworkIpamConfig {
  Subnet?: string;
  Gateway?: string;
  IPRange?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkIpam {
  Driver?: string;
  Config?: NetworkIpamConfig[] | null;
  Options?: Record<string, string> | null;
}

/** One attached container as GET /networks/{id} shows it. */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** `10.213.0.2/24` */
  IPv4Address: string;
  IPv6Address: string;
}

/** An element of GET /networks and the answer of GET /networks/{id}. */
export interface NetworkResource {
  Name: string;
  Id: string;
  /** RFC 3339. */
  Created: string;
  Scope: 'local';
  /** `bridge`, or `host` / `null` for the predefined host and none networks. */
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: NetworkIpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** POST /networks/create */
export interface NetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  IPAM?: NetworkIpam;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** 201 from POST /networks/create */
export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

/** POST /networks/{id}/connect */
export interface NetworkConnectRequest {
  Container: string;
  EndpointConfig?: EndpointSettings;
}

/** POST /networks/{id}/disconnect */
export interface NetworkDisconnectRequest {
  Container: string;
  Force?: boolean;
}

/** 200 from POST /networks/prune */
export interface NetworkPruneResponse {
  NetworksDeleted: string[];
}
