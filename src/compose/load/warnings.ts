// Warnings the loader reports without stopping (an unset variable, several default file names...).
// Stages receive a sink and call it; only cli/ decides how to show them.

import type { Position } from './source-map.js';

export interface LoadWarning {
  readonly message: string;
  /** Where the warning applies, when it comes from a file. */
  readonly position?: Position;
}

export type WarningSink = (warning: LoadWarning) => void;
