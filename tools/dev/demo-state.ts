/**
 * The servers `fdwmig-dev demo --keep` leaves running, recorded under .fdwmig-demo/ at the
 * repository's root (git-ignored): state.json for `fdwmig-dev demo --stop`, and env, a shell file
 * with FDWMIG_OLD_URL and FDWMIG_NEW_URL for `make psql-old`, `make psql-new` and fdwmig itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../repo-root.js';
import { stopDetachedServer } from './embedded-cluster.js';

/** The directory, from tools/dev or dist-tools/tools/dev alike. */
export const DEMO_STATE_DIR = fileURLToPath(new URL('.fdwmig-demo/', REPO_ROOT));

export interface KeptServer {
  major: number;
  url: string;
  dataDir: string;
}

export interface DemoState {
  old: KeptServer;
  new: KeptServer;
  startedAt: string;
}

const statePath = () => `${DEMO_STATE_DIR}state.json`;

/** The kept servers, if a kept demo's state is there. */
export function readDemoState(): DemoState | undefined {
  return existsSync(statePath()) ? (JSON.parse(readFileSync(statePath(), 'utf8')) as DemoState) : undefined;
}

/** Records the kept servers; readable by their owner only, since the URLs hold a password. */
export function writeDemoState(state: DemoState): void {
  mkdirSync(DEMO_STATE_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(statePath(), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;
  writeFileSync(
    `${DEMO_STATE_DIR}env`,
    [
      '# The servers `make demo-keep` left running; `make demo-stop` removes them.',
      `FDWMIG_OLD_URL=${quote(state.old.url)}`,
      `FDWMIG_NEW_URL=${quote(state.new.url)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

/** Stops and removes the kept servers and the state; resolves to what it stopped (none: []). */
export async function stopKeptDemo(): Promise<string[]> {
  const state = readDemoState();
  const stopped: string[] = [];
  if (state) {
    for (const [name, server] of [
      ['OLD', state.old],
      ['NEW', state.new],
    ] as const) {
      await stopDetachedServer(server.dataDir);
      stopped.push(`${name} (PostgreSQL ${server.major})`);
    }
  }
  rmSync(DEMO_STATE_DIR, { recursive: true, force: true });
  return stopped;
}
