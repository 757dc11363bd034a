/**
 * Starts one OLD and one NEW server for the whole run (integration files only) and stops them
 * afterwards, also when tests fail. Majors come from FDWMIG_OLD_MAJOR / FDWMIG_NEW_MAJOR
 * (defaults 13 and 17); the provider is testcontainers when a Docker engine is reachable and
 * FDWMIG_PROVIDER is not 'embedded', the embedded npm binaries otherwise.
 */
import type { TestProject } from 'vitest/node';
import { startTestCluster, type Cluster } from '../../tools/dev/cluster-provider.js';

declare module 'vitest' {
  export interface ProvidedContext {
    oldAdminUrl: string;
    newAdminUrl: string;
    oldMajor: number;
    newMajor: number;
    provider: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const oldMajor = Number(process.env.FDWMIG_OLD_MAJOR ?? 13);
  const newMajor = Number(process.env.FDWMIG_NEW_MAJOR ?? 17);
  const started: Cluster[] = [];
  try {
    const [oldC, newC] = await Promise.all([
      startTestCluster({ major: oldMajor, name: 'old' }).then((c) => (started.push(c), c)),
      startTestCluster({ major: newMajor, name: 'new' }).then((c) => (started.push(c), c)),
    ]);
    project.provide('oldAdminUrl', oldC.url());
    project.provide('newAdminUrl', newC.url());
    project.provide('oldMajor', oldMajor);
    project.provide('newMajor', newMajor);
    project.provide('provider', oldC.provider);
  } catch (err) {
    await Promise.all(started.map((c) => c.destroy()));
    throw err;
  }
  return async () => {
    await Promise.all(started.map((c) => c.destroy()));
  };
}
