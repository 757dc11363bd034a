/**
 * A test, demo or benchmark server as either provider (cluster-provider.ts) hands it out: the
 * embedded cluster's interface, plus which provider started it and how the other server reaches it.
 */
import type { Cluster as EmbeddedCluster } from './embedded-cluster.js';

export type Cluster = EmbeddedCluster & {
  readonly provider: 'embedded' | 'docker';
  /** The URL the other server uses to reach this one (differs from url() under Docker). */
  peerUrl(database?: string): string;
};
