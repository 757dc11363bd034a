/**
 * Chooses how test, demo and benchmark servers are started: testcontainers when a Docker
 * engine is reachable (users' CI), the embedded npm binaries otherwise (the default here).
 * FDWMIG_PROVIDER=embedded|docker forces one.
 */
import { existsSync } from 'node:fs';
import type { Cluster } from './cluster.js';
import { startEmbeddedCluster, type ClusterOptions } from './embedded-cluster.js';

/** True when a Docker engine answers on DOCKER_HOST or the default socket. */
export function dockerReachable(env = process.env): boolean {
  if (env.DOCKER_HOST) return true;
  return existsSync('/var/run/docker.sock');
}

export async function startTestCluster(options: ClusterOptions): Promise<Cluster> {
  const forced = process.env.FDWMIG_PROVIDER;
  if (forced === 'docker' || (forced !== 'embedded' && dockerReachable())) {
    const { startDockerCluster } = await import('./docker-cluster.js');
    return startDockerCluster(options);
  }
  const c = await startEmbeddedCluster(options);
  return Object.assign(c, { provider: 'embedded' as const, peerUrl: (db?: string) => c.url(db) });
}

export type { Cluster, ClusterOptions };
