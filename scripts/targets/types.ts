// What every target (kind, local) offers the CLI. Commands stay thin: they
// parse options, build a LabConfig and call one of these.
import type { LabConfig } from '../core/config.js';

export interface TargetOptions {
  dryRun: boolean;
  json: boolean;
  /** kind only: skip `kind load docker-image`. */
  noPreload?: boolean;
  /** reset only: also clear tutorial progress. */
  progress?: boolean;
  /** Anything command-specific the target understands. */
  extra?: Record<string, unknown>;
}

export interface Target {
  up(cfg: LabConfig, opts: TargetOptions): Promise<number>;
  down(cfg: LabConfig, opts: TargetOptions): Promise<number>;
  status(cfg: LabConfig, opts: TargetOptions): Promise<number>;
  reset(cfg: LabConfig, opts: TargetOptions): Promise<number>;
}
