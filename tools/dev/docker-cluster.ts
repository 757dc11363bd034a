/**
 * testcontainers provider: the official postgres:<major> image on a shared Docker network, so
 * NEW's postgres_fdw reaches OLD by its network alias (peerUrl) while tests use the mapped port.
 * Only loaded when a Docker engine is reachable; these machines have none, so the embedded
 * provider is what the suite runs here.
 */
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import type { ClusterOptions } from './embedded-cluster.js';
import type { Cluster } from './cluster.js';

const PASSWORD = 'docker-test-pw';
let network: Promise<StartedNetwork> | undefined;

export async function startDockerCluster(options: ClusterOptions): Promise<Cluster> {
  network ??= new Network().start();
  const net = await network;
  const alias = `${options.name ?? 'pg'}${options.major}`;
  const settings = { wal_level: 'logical', max_prepared_transactions: 20, ...options.settings };
  const build = () =>
    new GenericContainer(`postgres:${options.major}`)
      .withEnvironment({ POSTGRES_PASSWORD: PASSWORD })
      .withCommand(['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])])
      .withExposedPorts(5432)
      .withNetwork(net)
      .withNetworkAliases(alias)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2));
  const container: StartedTestContainer = await build().start();
  const url = (db = 'postgres', user = 'postgres', pw = PASSWORD) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@${container.getHost()}:${container.getMappedPort(5432)}/${encodeURIComponent(db)}`;
  return {
    provider: 'docker',
    major: options.major,
    get host() {
      return container.getHost();
    },
    get port() {
      return container.getMappedPort(5432);
    },
    dataDir: '/var/lib/postgresql/data',
    superuser: 'postgres',
    password: PASSWORD,
    url,
    peerUrl: (db = 'postgres') => `postgresql://postgres:${PASSWORD}@${alias}:5432/${encodeURIComponent(db)}`,
    stop: async (mode = 'fast') => {
      await container.exec(['su', 'postgres', '-c', `pg_ctl stop -m ${mode} -D /var/lib/postgresql/data`]);
    },
    start: async () => {
      await container.restart();
    },
    destroy: async () => {
      await container.stop();
    },
  };
}
