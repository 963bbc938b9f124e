/** Builds the viewer's front end once per test process into a temporary folder (Vite's build API). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let built: Promise<string> | undefined;

export function buildViewAssets(): Promise<string> {
  built ??= (async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'tenet-view-assets-'));
    await build({ mode: 'production', configFile: fileURLToPath(new URL('../../web/view/vite.config.ts', import.meta.url)), logLevel: 'error', build: { outDir, emptyOutDir: true } });
    return outDir;
  })();
  return built;
}
