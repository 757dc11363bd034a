/**
 * docker-compose.yml, checked without Docker (CI has no engine): it parses, the files it mounts
 * and runs exist, the URLs name the services and their passwords, the start order is the
 * migration's, the workload's arguments are options `fdwmig-dev workload` has, and the
 * Dockerfile builds the product alone by default and the developer CLI only into its workload
 * target.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEV_CLI_ENTRY, devCommands } from '../../../tools/dev/cli.js';
import { parseYaml, type YamlValue } from './yaml-subset.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
type Map = { [key: string]: YamlValue };
const compose = parseYaml(read('docker-compose.yml')) as Map;
const services = compose.services as { [name: string]: Map };
const env = (service: string) => services[service]!.environment as Map;

/** A Dockerfile stage: its base (an image or an earlier stage), its name, its instructions. */
interface Stage {
  base: string;
  name: string | undefined;
  lines: string[];
}

function dockerStages(dockerfile: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM (?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/.exec(line);
    if (from) stages.push({ base: from[1]!, name: from[2], lines: [] });
    else if (stages.length > 0 && line !== '' && !line.startsWith('#')) stages.at(-1)!.lines.push(line);
  }
  return stages;
}

/** A stage's instructions with those of every stage it builds on or copies from. */
function stageWithInputs(stages: Stage[], stage: Stage): string[] {
  const named = (name: string) => stages.find((s) => s.name === name);
  const inputs = [stage.base, ...stage.lines.map((l) => /^COPY --from=(\S+)/.exec(l)?.[1])].flatMap((n) => {
    const s = n === undefined ? undefined : named(n);
    return s === undefined ? [] : [s];
  });
  return [...inputs.flatMap((s) => stageWithInputs(stages, s)), ...stage.lines];
}

/** The packages a module loads when it starts, following its static relative imports (type-only ones are erased). */
function packagesLoaded(entry: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(entry)) return packages;
  seen.add(entry);
  const source = readFileSync(`${ROOT}${entry}`, 'utf8');
  for (const m of source.matchAll(/^(?:import|export) (?!type )(?:[^;]*? from )?'([^']+)';$/gms)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) {
      const next = relative(ROOT, join(ROOT, dirname(entry), spec)).replace(/\.js$/, '.ts');
      for (const p of packagesLoaded(next, seen)) packages.add(p);
    } else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return packages;
}

describe('docker-compose.yml', () => {
  it('has OLD, NEW, the two fdwmig steps and the workload', () => {
    expect(Object.keys(services)).toEqual(['old', 'new', 'fdwmig-prepare', 'workload', 'fdwmig-migrate']);
    expect(services.old!.image).toMatch(/^postgres:1[23]$/);
    expect(services.new!.image).toBe('postgres:17');
    for (const s of ['fdwmig-prepare', 'fdwmig-migrate']) expect(services[s]!.build, s).toBe('.');
    expect(services.workload!.build).toEqual({ context: '.', target: 'workload' });
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
    // The entrypoint is the workload target's (checked below): the developer CLI.
    expect(services.workload!.entrypoint).toBeUndefined();
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
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const path of copied) expect(allowed, path).toContain(path);
  });

  it("builds the product alone by default (the last stage), and the developer CLI only into the workload's target", () => {
    const stages = dockerStages(read('Dockerfile'));
    const product = stageWithInputs(stages, stages.at(-1)!);
    expect(product.filter((l) => l.startsWith('ENTRYPOINT ')).at(-1)).toBe('ENTRYPOINT ["node", "/app/bin/fdwmig.js"]');
    expect(product.filter((l) => /\btools\b/.test(l))).toEqual([]);
    const workload = stages.find((s) => s.name === 'workload')!;
    expect(workload, 'a workload stage').toBeDefined();
    expect(workload.base, 'the workload builds on the default target').toBe(stages.at(-1)!.base);
    const withInputs = stageWithInputs(stages, workload);
    expect(withInputs).toContain('RUN npm run build:tools');
    expect(workload.lines).toContainEqual(expect.stringMatching(/^COPY --from=\S+ \/app\/dist-tools dist-tools$/));
    expect(withInputs.filter((l) => l.startsWith('ENTRYPOINT ')).at(-1)).toBe(
      `ENTRYPOINT ["node", "/app/${DEV_CLI_ENTRY}"]`,
    );
  });

  it("the workload target's developer CLI loads only packages the product image has: the product's dependencies", () => {
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    // The workload command loads tools/dev/workload.ts when it runs; the demo's modules (which need
    // the dev dependencies) are loaded only by the demo command.
    const loaded = new Set([...packagesLoaded('tools/dev/main.ts'), ...packagesLoaded('tools/dev/workload.ts')]);
    expect(loaded).toContain('pg');
    for (const p of loaded)
      if (!p.startsWith('node:') && !builtinModules.includes(p)) expect(Object.keys(dependencies), p).toContain(p);
  });
});
