// The typed, normalised compose project: every short syntax expanded, every default Docker Compose
// applies made explicit, paths resolved. Produced once by normaliseProject and never mutated: planners,
// the graph and `berth config` read it; a change means loading again.
// Invariant: field names are the Compose Specification's own (snake_case), so the canonical output is
// the model itself and no attribute can be lost between the file and the engine.

/** A duration in milliseconds (parsed from Go-style strings such as `1m30s`). */
export type Millis = number;
/** A size in bytes (parsed from `512m`, `1g`, ...). */
export type Bytes = number;

/** `x-*` keys kept verbatim, for tools that read them. */
export type Extensions = Readonly<Record<string, unknown>>;

export interface Project {
  readonly name: string;
  readonly workingDir: string;
  readonly configFiles: readonly string[];
  /** The interpolation environment (OS env over `.env`). */
  readonly environment: ReadonlyMap<string, string>;
  readonly services: Readonly<Record<string, Service>>;
  readonly networks: Readonly<Record<string, NetworkConfig>>;
  readonly volumes: Readonly<Record<string, VolumeConfig>>;
  readonly secrets: Readonly<Record<string, FileObjectConfig>>;
  readonly configs: Readonly<Record<string, FileObjectConfig>>;
  readonly models: Readonly<Record<string, ModelConfig>>;
  readonly extensions: Extensions;
  /** Services switched off by profiles (kept so commands can name them in errors). */
  readonly disabledServices?: Readonly<Record<string, Service>>;
}

export type Mapping = Readonly<Record<string, string>>;
/** Environment-like maps: `null` is a key declared without a value that nothing resolved. */
export type NullableMapping = Readonly<Record<string, string | null>>;

export interface Service {
  readonly name: string;
  readonly annotations?: Mapping;
  readonly attach?: boolean;
  readonly blkio_config?: BlkioConfig;
  readonly build?: BuildConfig;
  readonly cap_add?: readonly string[];
  readonly cap_drop?: readonly string[];
  readonly cgroup?: string;
  readonly cgroup_parent?: string;
  /** `null` keeps the image CMD; `[]` clears it. */
  readonly command?: readonly string[] | null;
  readonly configs?: readonly FileReference[];
  readonly container_name?: string;
  readonly cpu_count?: number;
  readonly cpu_percent?: number;
  readonly cpu_period?: number;
  readonly cpu_quota?: number;
  readonly cpu_rt_period?: number;
  readonly cpu_rt_runtime?: number;
  readonly cpu_shares?: number;
  readonly cpus?: number;
  readonly cpuset?: string;
  readonly credential_spec?: CredentialSpec;
  readonly depends_on?: Readonly<Record<string, ServiceDependency>>;
  readonly deploy?: DeployConfig;
  readonly develop?: DevelopConfig;
  readonly device_cgroup_rules?: readonly string[];
  readonly devices?: readonly DeviceMapping[];
  readonly dns?: readonly string[];
  readonly dns_opt?: readonly string[];
  readonly dns_search?: readonly string[];
  readonly domainname?: string;
  readonly entrypoint?: readonly string[] | null;
  readonly env_file?: readonly EnvFile[];
  readonly environment?: NullableMapping;
  readonly expose?: readonly string[];
  readonly external_links?: readonly string[];
  /** host → addresses, in the order written. */
  readonly extra_hosts?: Readonly<Record<string, readonly string[]>>;
  readonly gpus?: readonly DeviceRequest[];
  readonly group_add?: readonly string[];
  readonly healthcheck?: HealthCheck;
  readonly hostname?: string;
  readonly image?: string;
  readonly init?: boolean;
  readonly ipc?: string;
  readonly isolation?: string;
  readonly label_file?: readonly string[];
  readonly labels?: Mapping;
  readonly links?: readonly string[];
  readonly logging?: LoggingConfig;
  readonly mac_address?: string;
  readonly mem_limit?: Bytes;
  readonly mem_reservation?: Bytes;
  readonly mem_swappiness?: number;
  readonly memswap_limit?: Bytes;
  readonly models?: Readonly<Record<string, ServiceModel | null>>;
  readonly network_mode?: string;
  /** Network key → attachment options (`null`: attached with defaults). */
  readonly networks?: Readonly<Record<string, ServiceNetwork | null>>;
  readonly oom_kill_disable?: boolean;
  readonly oom_score_adj?: number;
  readonly pid?: string;
  readonly pids_limit?: number;
  readonly platform?: string;
  readonly ports?: readonly PortConfig[];
  readonly post_start?: readonly ServiceHook[];
  readonly pre_start?: readonly ServiceHook[];
  readonly pre_stop?: readonly ServiceHook[];
  readonly privileged?: boolean;
  readonly profiles?: readonly string[];
  readonly provider?: ProviderConfig;
  readonly pull_policy?: string;
  readonly pull_refresh_after?: string;
  readonly read_only?: boolean;
  readonly restart?: string;
  readonly runtime?: string;
  readonly scale?: number;
  readonly secrets?: readonly FileReference[];
  readonly security_opt?: readonly string[];
  readonly shm_size?: Bytes;
  readonly stdin_open?: boolean;
  readonly stop_grace_period?: Millis;
  readonly stop_signal?: string;
  readonly storage_opt?: Mapping;
  readonly sysctls?: Mapping;
  readonly tmpfs?: readonly string[];
  readonly tty?: boolean;
  readonly ulimits?: Readonly<Record<string, Ulimit>>;
  readonly use_api_socket?: boolean;
  readonly user?: string;
  readonly userns_mode?: string;
  readonly uts?: string;
  readonly volume_driver?: string;
  readonly volumes?: readonly ServiceVolume[];
  readonly volumes_from?: readonly string[];
  readonly working_dir?: string;
  readonly extensions?: Extensions;
}

export interface BuildConfig {
  readonly context: string;
  readonly dockerfile?: string;
  readonly dockerfile_inline?: string;
  readonly entitlements?: readonly string[];
  readonly args?: NullableMapping;
  readonly provenance?: string;
  readonly sbom?: string;
  /** id → path (`null`: the default agent socket). */
  readonly ssh?: Readonly<Record<string, string | null>>;
  readonly labels?: Mapping;
  readonly cache_from?: readonly string[];
  readonly cache_to?: readonly string[];
  readonly no_cache?: boolean;
  readonly no_cache_filter?: readonly string[];
  readonly additional_contexts?: Mapping;
  readonly pull?: boolean;
  readonly extra_hosts?: Readonly<Record<string, readonly string[]>>;
  readonly isolation?: string;
  readonly network?: string;
  readonly target?: string;
  readonly secrets?: readonly FileReference[];
  readonly shm_size?: Bytes;
  readonly tags?: readonly string[];
  readonly ulimits?: Readonly<Record<string, Ulimit>>;
  readonly platforms?: readonly string[];
  readonly privileged?: boolean;
  readonly extensions?: Extensions;
}

export interface PortConfig {
  readonly name?: string;
  readonly mode: string; // ingress | host
  readonly host_ip?: string;
  readonly target: number;
  /** A port or a range (`8000-8005`); absent means a random host port. */
  readonly published?: string;
  readonly protocol: string; // tcp | udp
  readonly app_protocol?: string;
  readonly extensions?: Extensions;
}

export type VolumeType = 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | 'image';

export interface ServiceVolume {
  readonly type: VolumeType;
  readonly source?: string;
  readonly target: string;
  readonly read_only?: boolean;
  readonly consistency?: string;
  readonly bind?: {
    readonly propagation?: string;
    /** Defaults to true (Docker Compose prints it only when false). */
    readonly create_host_path?: boolean;
    readonly selinux?: string;
    readonly recursive?: string;
  };
  readonly volume?: { readonly nocopy?: boolean; readonly subpath?: string; readonly labels?: Mapping };
  readonly tmpfs?: { readonly size?: Bytes; readonly mode?: number };
  readonly image?: { readonly subpath?: string };
  readonly extensions?: Extensions;
}

export interface ServiceDependency {
  readonly condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  readonly restart?: boolean;
  readonly required: boolean;
}

export interface HealthCheck {
  /** `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`. */
  readonly test?: readonly string[];
  readonly interval?: Millis;
  readonly timeout?: Millis;
  readonly retries?: number;
  readonly start_period?: Millis;
  readonly start_interval?: Millis;
  readonly disable?: boolean;
}

export interface DeployConfig {
  readonly mode?: string;
  readonly replicas?: number;
  readonly labels?: Mapping;
  readonly update_config?: UpdateConfig;
  readonly rollback_config?: UpdateConfig;
  readonly resources?: { readonly limits?: Resource; readonly reservations?: Resource };
  readonly restart_policy?: {
    readonly condition?: string;
    readonly delay?: Millis;
    readonly max_attempts?: number;
    readonly window?: Millis;
  };
  readonly placement?: {
    readonly constraints?: readonly string[];
    readonly preferences?: readonly { readonly spread: string }[];
    readonly max_replicas_per_node?: number;
  };
  readonly endpoint_mode?: string;
}

export interface UpdateConfig {
  readonly parallelism?: number;
  readonly delay?: Millis;
  readonly failure_action?: string;
  readonly monitor?: Millis;
  readonly max_failure_ratio?: number;
  readonly order?: string;
}

export interface Resource {
  readonly cpus?: number;
  readonly memory?: Bytes;
  readonly pids?: number;
  readonly devices?: readonly DeviceRequest[];
  readonly generic_resources?: readonly {
    readonly discrete_resource_spec?: { readonly kind: string; readonly value: number };
  }[];
}

export interface DeviceRequest {
  readonly capabilities?: readonly string[];
  readonly driver?: string;
  /** A number, or `all` (every device). */
  readonly count?: number | 'all';
  readonly device_ids?: readonly string[];
  readonly options?: Mapping;
}

export interface DevelopConfig {
  readonly watch?: readonly WatchRule[];
}

export interface WatchRule {
  readonly path: string;
  readonly action: 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';
  readonly target?: string;
  readonly exec?: ServiceHook;
  readonly include?: readonly string[];
  readonly ignore?: readonly string[];
  readonly initial_sync?: boolean;
}

export interface ServiceNetwork {
  readonly aliases?: readonly string[];
  readonly driver_opts?: Mapping;
  readonly gw_priority?: number;
  readonly interface_name?: string;
  readonly ipv4_address?: string;
  readonly ipv6_address?: string;
  readonly link_local_ips?: readonly string[];
  readonly mac_address?: string;
  readonly priority?: number;
}

export interface Ulimit {
  readonly soft: number;
  readonly hard: number;
  /** Written as one number (`nofile: 1024`) rather than soft/hard: printed back the same way. */
  readonly single?: boolean;
}

export interface DeviceMapping {
  readonly source: string;
  readonly target: string;
  readonly permissions: string;
}

export interface FileReference {
  readonly source: string;
  readonly target?: string;
  readonly uid?: string;
  readonly gid?: string;
  readonly mode?: number;
}

export interface EnvFile {
  readonly path: string;
  readonly required: boolean;
  readonly format?: string;
}

export interface LoggingConfig {
  readonly driver?: string;
  readonly options?: Mapping;
}

export interface ServiceHook {
  readonly command: readonly string[];
  readonly image?: string;
  readonly user?: string;
  readonly privileged?: boolean;
  readonly working_dir?: string;
  readonly environment?: NullableMapping;
  readonly per_replica?: boolean;
}

export interface BlkioConfig {
  readonly weight?: number;
  readonly weight_device?: readonly { readonly path: string; readonly weight: number }[];
  readonly device_read_bps?: readonly ThrottleDevice[];
  readonly device_read_iops?: readonly ThrottleDevice[];
  readonly device_write_bps?: readonly ThrottleDevice[];
  readonly device_write_iops?: readonly ThrottleDevice[];
}

export interface ThrottleDevice {
  readonly path: string;
  readonly rate: number;
}

export interface CredentialSpec {
  readonly config?: string;
  readonly file?: string;
  readonly registry?: string;
}

export interface ServiceModel {
  readonly endpoint_var?: string;
  readonly model_var?: string;
}

export interface ProviderConfig {
  readonly type: string;
  /** Option values are kept as lists: a provider option may be repeated. */
  readonly options?: Readonly<Record<string, readonly string[]>>;
}

export interface NetworkConfig {
  /** The engine-side name: `<project>_<key>` unless `name` was given or the network is external. */
  readonly name: string;
  readonly driver?: string;
  readonly driver_opts?: Mapping;
  readonly ipam?: {
    readonly driver?: string;
    readonly config?: readonly {
      readonly subnet?: string;
      readonly gateway?: string;
      readonly ip_range?: string;
      readonly aux_addresses?: Mapping;
    }[];
    readonly options?: Mapping;
  };
  readonly external?: boolean;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly labels?: Mapping;
  readonly enable_ipv4?: boolean;
  readonly enable_ipv6?: boolean;
  readonly extensions?: Extensions;
}

export interface VolumeConfig {
  readonly name: string;
  readonly driver?: string;
  readonly driver_opts?: Mapping;
  readonly external?: boolean;
  readonly labels?: Mapping;
  readonly extensions?: Extensions;
}

/** A top-level secret or config. */
export interface FileObjectConfig {
  readonly name: string;
  readonly file?: string;
  readonly environment?: string;
  readonly content?: string;
  readonly external?: boolean;
  readonly labels?: Mapping;
  readonly driver?: string;
  readonly driver_opts?: Mapping;
  readonly template_driver?: string;
  readonly extensions?: Extensions;
}

export interface ModelConfig {
  readonly name?: string;
  readonly model: string;
  readonly context_size?: number;
  readonly runtime_flags?: readonly string[];
  readonly extensions?: Extensions;
}

/** The replica count Docker Compose uses: `scale`, else `deploy.replicas`, else 1. */
export function replicasOf(service: Service): number {
  return service.scale ?? service.deploy?.replicas ?? 1;
}
