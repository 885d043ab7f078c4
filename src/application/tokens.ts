/** Injection tokens for the ports. Symbols, one file, so a typo cannot resolve the wrong thing. */
export const TOKENS = {
  Experiments: Symbol('ExperimentRepository'),
  Runs: Symbol('RunRepository'),
  Metrics: Symbol('MetricRepository'),
  Parameters: Symbol('ParameterRepository'),
  Artifacts: Symbol('ArtifactRepository'),
  RunInputs: Symbol('RunInputRepository'),
  RunSearch: Symbol('RunSearch'),
  Blobs: Symbol('BlobStore'),
  BlobHolds: Symbol('BlobHolds'),
  Clock: Symbol('Clock'),
  Ids: Symbol('IdGenerator'),
  ContentDigest: Symbol('ContentDigest'),
  Readiness: Symbol('Readiness'),
  Limits: Symbol('Limits'),
  Access: Symbol('AccessRepository'),
  TokenSecrets: Symbol('TokenSecrets'),
  AuthMode: Symbol('AuthMode'),
} as const;

/** Whether requests must prove who they are (`token`) or everyone is the anonymous admin (`none`). */
export type AuthMode = 'none' | 'token';

/** Operator-set limits the use cases enforce. */
export interface Limits {
  maxUploadBytes: number;
}
