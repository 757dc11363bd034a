/**
 * docker-compose.yml, checked without Docker (CI has no engine): it parses, the files it mounts
 * and runs exist, the URLs name the services and their passwords, the start order is the
 * migration's, and the workload's arguments are options `fdwmig-dev workload` has.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEV_CLI_ENTRY, devCommands } from '../../../src/dev/cli.js';
import { parseYaml, type YamlValue } from './yaml-subset.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
type Map = { [key: string]: YamlValue };
const compose = parseYaml(read('docker-compose.yml')) as Map;
const services = compose.services as { [name: string]: Map };
const env = (service: string) => services[service]!.environment as Map;

describe('docker-compose.yml', () => {
  it('has OLD, NEW, the two fdwmig steps and the workload', () => {
    expect(Object.keys(services)).toEqual(['old', 'new', 'fdwmig-prepare', 'workload', 'fdwmig-migrate']);
    expect(services.old!.image).toMatch(/^postgres:1[23]$/);
    expect(services.new!.image).toBe('postgres:17');
    for (const s of ['fdwmig-prepare', 'workload', 'fdwmig-migrate']) expect(services[s]!.build, s).toBe('.');
  });

  it('starts both servers with wal_level=logical and a health check over TCP', () => {
    for (const s of ['old', 'new']) {
      expect(services[s]!.command).toEqual(expect.arrayContaining(['wal_level=logical']));
      expect(((services[s]!.healthcheck as Map).test as string[]).join(' ')).toContain('pg_isready -h 127.0.0.1');
    }
  });

  it('mounts files that exist: the demo SQL where the init scripts read it, and executable init scripts', () => {
    for (const s of ['old', 'new']) {
      for (const volume of services[s]!.volumes as string[]) {
        const [source, target] = volume.split(':') as [string, string];
        expect(existsSync(`${ROOT}${source}`), volume).toBe(true);
        if (target.startsWith('/docker-entrypoint-initdb.d/')) accessSync(`${ROOT}${source}`, constants.X_OK);
        if (source === './sql/demo')
          expect(read(`examples/docker/init-${s}.sh`)).toContain(`FDWMIG_SQL_DIR:-${target}}`);
      }
    }
    for (const file of ['shop.sql', 'shop-data.sql', 'bank.sql', 'bank-data.sql'])
      expect(existsSync(`${ROOT}sql/demo/${file}`), file).toBe(true);
  });

  it("gives fdwmig URLs naming the services, their database and their password (NEW's postgres_fdw reaches OLD by name)", () => {
    for (const s of ['fdwmig-prepare', 'fdwmig-migrate']) {
      for (const [key, server] of [
        ['FDWMIG_OLD_URL', 'old'],
        ['FDWMIG_NEW_URL', 'new'],
      ] as const) {
        const url = new URL(String(env(s)[key]));
        expect(url.hostname, `${s} ${key}`).toBe(server);
        expect(url.port).toBe('5432');
        expect(url.pathname).toBe(`/${env(server).POSTGRES_DB}`);
        expect(url.password).toBe(env(server).POSTGRES_PASSWORD);
      }
    }
    expect(env('workload').FDWMIG_NEW_URL).toBe(env('fdwmig-migrate').FDWMIG_NEW_URL);
  });

  it('runs the steps in the migration order: prepare, then the workload (the switch), then migrate', () => {
    const dependsOn = (s: string) =>
      Object.fromEntries(Object.entries(services[s]!.depends_on as Map).map(([k, v]) => [k, (v as Map).condition]));
    expect(dependsOn('fdwmig-prepare')).toEqual({ old: 'service_healthy', new: 'service_healthy' });
    expect(dependsOn('workload')).toEqual({ 'fdwmig-prepare': 'service_completed_successfully' });
    expect(dependsOn('fdwmig-migrate')).toEqual({
      'fdwmig-prepare': 'service_completed_successfully',
      workload: 'service_started',
    });
    const script = read('examples/docker/fdwmig.sh');
    for (const s of ['fdwmig-prepare', 'fdwmig-migrate']) {
      expect(services[s]!.entrypoint).toEqual(['/bin/sh', '/app/examples/docker/fdwmig.sh']);
      for (const step of services[s]!.command as string[]) expect(script).toContain(`  ${step})`);
    }
  });

  it('runs the workload with the developer CLI, passing only options its workload has, and as many accounts as OLD gets', () => {
    expect(services.workload!.entrypoint).toEqual(['node', `/app/${DEV_CLI_ENTRY}`]);
    const program = new Command();
    const io = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: async () => '' };
    for (const c of devCommands) c.register(program, io);
    const args = services.workload!.command as string[];
    const workload = program.commands.find((c) => c.name() === args[0])!;
    expect(workload, args[0]).toBeDefined();
    const flags = args.filter((a) => a.startsWith('--'));
    for (const flag of flags)
      expect(
        workload.options.map((o) => o.long),
        flag,
      ).toContain(flag);
    expect(args[args.indexOf('--accounts') + 1]).toBe(env('old').WORKLOAD_ACCOUNTS);
  });

  it('builds from a Dockerfile that copies the scripts to /app, and .dockerignore lets in what it copies', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^COPY examples\/docker examples\/docker$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/fdwmig.js"\]$/m);
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const path of copied) expect(allowed, path).toContain(path);
  });
});
