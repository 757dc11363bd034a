/**
 * What `fdwmig-dev demo --keep` (make demo-keep) and `--stop` rest on: a detached embedded server outlives the
 * process that started it, and stopDetachedServer stops it from another and removes its files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { stopDetachedServer } from '../../tools/dev/embedded-cluster.js';

const CLUSTER = new URL('../../dist-tools/tools/dev/embedded-cluster.js', import.meta.url).pathname;

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client(url);
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('a detached embedded server (fdwmig-dev demo --keep)', () => {
  it('outlives the process that started it, and stopDetachedServer stops and removes it', async () => {
    const script = `const { startEmbeddedCluster } = await import(${JSON.stringify(CLUSTER)});
      const c = await startEmbeddedCluster({ major: 17, name: 'keep-test', detached: true });
      console.log(JSON.stringify({ url: c.url(), dataDir: c.dataDir }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { url, dataDir } = JSON.parse(r.stdout) as { url: string; dataDir: string };
    try {
      expect(await answers(url)).toBe(true);
    } finally {
      await stopDetachedServer(dataDir);
    }
    expect(await answers(url)).toBe(false);
    expect(existsSync(dirname(dataDir))).toBe(false);
  });

  it('removes the files of a server already stopped', async () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startEmbeddedCluster } = await import(${JSON.stringify(CLUSTER)});
      const c = await startEmbeddedCluster({ major: 17, name: 'keep-test' });
      await c.stop();
      console.log(JSON.stringify({ dataDir: c.dataDir }));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    const { dataDir } = JSON.parse(r.stdout) as { dataDir: string };
    await stopDetachedServer(dataDir);
    expect(existsSync(dirname(dataDir))).toBe(false);
  });
});
