/**
 * examples/k8s/, checked without a cluster: every manifest parses, each Job runs an fdwmig
 * command with the Secret's URLs and the ConfigMap's config file, retries and deadlines are
 * set, and the config file is one fdwmig accepts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMain } from '../cli/run-main.js';
import { parseYaml, type YamlValue } from './yaml-subset.js';

const DIR = new URL('../../../examples/k8s/', import.meta.url).pathname;
type Map = { [key: string]: YamlValue };
const manifests = Object.fromEntries(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, parseYaml(readFileSync(`${DIR}${f}`, 'utf8')) as Map]),
);
const jobs = Object.entries(manifests).filter(([, m]) => m.kind === 'Job');
const secret = manifests['secret.yaml']!;
const configMap = manifests['configmap.yaml']!;
const podSpec = (job: Map) => ((job.spec as Map).template as Map).spec as Map;
const containersOf = (job: Map) => [
  ...((podSpec(job).initContainers ?? []) as Map[]),
  ...(podSpec(job).containers as Map[]),
];

describe('examples/k8s', () => {
  it('has the Secret, the ConfigMap and a Job per step', () => {
    expect(secret.kind).toBe('Secret');
    expect(configMap.kind).toBe('ConfigMap');
    const steps = jobs.map(([, job]) => containersOf(job).map((c) => (c.args as string[])[0]));
    expect(steps).toEqual(
      expect.arrayContaining([['check', 'init-new'], ['guard'], ['migrate'], ['verify'], ['cleanup']]),
    );
  });

  it.each(jobs)('%s runs once per attempt with a retry bound, a deadline and flat memory', (_file, job) => {
    const spec = job.spec as Map;
    expect(spec.backoffLimit).toEqual(expect.any(Number));
    expect(spec.activeDeadlineSeconds).toEqual(expect.any(Number));
    expect(podSpec(job).restartPolicy).toBe('Never');
    for (const c of containersOf(job)) {
      const resources = c.resources as Map;
      expect((resources.requests as Map).memory, String(c.name)).toBe('128Mi');
      expect((resources.limits as Map).memory, String(c.name)).toBe('256Mi');
    }
  });

  it.each(jobs)('%s reads the URLs from the Secret and the config file from the ConfigMap', (_file, job) => {
    const volumes = podSpec(job).volumes as Map[];
    for (const c of containersOf(job)) {
      expect(c.envFrom).toEqual([{ secretRef: { name: (secret.metadata as Map).name } }]);
      const configPath = (c.env as Map[]).find((e) => e.name === 'FDWMIG_CONFIG')!.value as string;
      const mount = (c.volumeMounts as Map[]).find((m) => configPath.startsWith(`${m.mountPath}/`))!;
      const volume = volumes.find((v) => v.name === mount.name)!;
      expect((volume.configMap as Map).name).toBe((configMap.metadata as Map).name);
      expect(Object.keys(configMap.data as Map)).toContain(configPath.slice(String(mount.mountPath).length + 1));
    }
  });

  it('the migrate Job retries (it resumes) and fails at once on bad usage (exit 2)', () => {
    const [, migrate] = jobs.find(([, job]) => containersOf(job)[0]!.args!.toString() === 'migrate')!;
    const spec = migrate.spec as Map;
    expect(spec.backoffLimit).toBeGreaterThan(0);
    const rules = (spec.podFailurePolicy as Map).rules as Map[];
    expect(rules).toContainEqual({ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } });
  });

  it('the config file is one fdwmig accepts, with the URLs from the environment', async () => {
    const json = (configMap.data as Map)['fdwmig.json'] as string;
    const r = await runMain(['config', '--config', 'fdwmig.json'], {
      files: { 'fdwmig.json': json },
      env: {
        FDWMIG_OLD_URL: (secret.stringData as Map).FDWMIG_OLD_URL as string,
        FDWMIG_NEW_URL: (secret.stringData as Map).FDWMIG_NEW_URL as string,
      },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject(JSON.parse(json) as object);
  });
});
