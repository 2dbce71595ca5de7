// Wire types of the image routes (swagger ImageSummary, ImageInspect, HistoryResponseItem, progress messages).
// Invariant: RepoTags and RepoDigests are [] (never null, never "<none>:<none>" for API >= 1.43).

/** An element of GET /images/json */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  /** -1 when not computed, as Docker reports it. */
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

/** GET /images/{name}/json */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  /** RFC 3339 nano. */
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: {
    User: string;
    ExposedPorts?: Record<string, Record<string, never>> | null;
    Env: string[];
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    Volumes: Record<string, Record<string, never>> | null;
    WorkingDir: string;
    Labels: Record<string, string> | null;
    StopSignal?: string;
    Healthcheck?: {
      Test?: string[];
      Interval?: number;
      Timeout?: number;
      StartPeriod?: number;
      Retries?: number;
    };
    ArgsEscaped?: boolean;
    OnBuild?: string[] | null;
  };
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  RootFS: { Type: 'layers'; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** An element of GET /images/{name}/history */
export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[];
  Size: number;
  Comment: string;
}

/** An element of DELETE /images/{name} */
export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

/** One line of a progress stream (pull, push, load, import, build). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: Record<string, unknown>;
  /** A failure after the 200 was sent. */
  errorDetail?: { message: string; code?: number };
  error?: string;
}
