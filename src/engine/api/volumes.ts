// Wire types of the volume routes (swagger Volume, VolumeListResponse, VolumeCreateOptions, VolumePruneResponse).
// Invariant: Labels and Options are objects, never null, so clients can iterate them.

/** GET /volumes/{name}, an element of GET /volumes, the answer of POST /volumes/create. */
export interface Volume {
  Name: string;
  Driver: string;
  /** The host directory holding the volume's data. */
  Mountpoint: string;
  /** RFC 3339. */
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local' | 'global';
  /** The driver options it was created with (`type`, `device`, `o` for the local driver). */
  Options: Record<string, string>;
}

/** GET /volumes */
export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[];
}

/** POST /volumes/create */
export interface VolumeCreateRequest {
  /** Omitted or '': an anonymous volume with a generated name. */
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** POST /volumes/prune */
export interface VolumePruneResponse {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

/** The filters GET /volumes accepts. */
export const VOLUME_LIST_FILTERS = ['name', 'label', 'driver', 'dangling'] as const;

/** The filters POST /volumes/prune accepts (`all` from API 1.42: also named volumes). */
export const VOLUME_PRUNE_FILTERS = ['label', 'label!', 'all'] as const;
