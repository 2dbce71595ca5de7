// Wire types of the exec routes (swagger ExecConfig, ExecStartConfig, ExecInspectResponse).

/** POST /containers/{id}/exec */
export interface ExecCreateRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ConsoleSize?: [number, number] | null;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** 201 from POST /containers/{id}/exec */
export interface ExecCreateResponse {
  Id: string;
}

/** POST /exec/{id}/start */
export interface ExecStartRequest {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

/** GET /exec/{id}/json */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: {
    privileged: boolean;
    user: string;
    tty: boolean;
    entrypoint: string;
    arguments: string[];
  };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}
