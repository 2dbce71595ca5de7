// Wire types of the system routes (/_ping, /version, /info), as the Docker Engine API defines them.
// Invariant: fields the docker CLI and testcontainers read are always present; lists and maps are [] / {},
// never null, where Docker sends them empty.

export interface ComponentVersion {
  Name: string;
  Version: string;
  Details?: Record<string, string>;
}

/** GET /version */
export interface VersionResponse {
  Platform: { Name: string };
  Components: ComponentVersion[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  Experimental?: boolean;
  BuildTime: string;
}

/** GET /info — the subset of swagger's SystemInfo that berth fills. */
export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  DockerRootDir: string;
  Plugins: { Volume: string[]; Network: string[]; Authorization: string[] | null; Log: string[] };
  MemoryLimit: boolean;
  SwapLimit: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
  OomKillDisable: boolean;
  IPv4Forwarding: boolean;
  BridgeNfIptables: boolean;
  BridgeNfIp6tables: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSVersion: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  IndexServerAddress: string;
  RegistryConfig: {
    InsecureRegistryCIDRs: string[];
    IndexConfigs: Record<string, { Name: string; Mirrors: string[]; Secure: boolean; Official: boolean }>;
    Mirrors: string[];
  };
  GenericResources: null;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Name: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  ServerVersion: string;
  Runtimes: Record<string, { path: string }>;
  DefaultRuntime: string;
  Swarm: {
    NodeID: string;
    NodeAddr: string;
    LocalNodeState: 'inactive';
    ControlAvailable: boolean;
    Error: string;
    RemoteManagers: null;
  };
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  ContainerdCommit: { ID: string; Expected?: string };
  RuncCommit: { ID: string; Expected?: string };
  InitCommit: { ID: string; Expected?: string };
  SecurityOptions: string[];
  DefaultAddressPools: { Base: string; Size: number }[];
  Warnings: string[];
}

/** Headers of GET/HEAD /_ping that clients negotiate from. */
export const PING_HEADERS = {
  apiVersion: 'api-version',
  osType: 'ostype',
  builderVersion: 'builder-version',
  experimental: 'docker-experimental',
  swarm: 'swarm',
} as const;
