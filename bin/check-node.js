#!/usr/bin/env node
// The Node.js version check every entry point runs first (bin/tenet.js, `npm start`, `npm test`): tenet's
// store driver and code need Node 22.12+, and on an older Node they fail late and obscurely (a segmentation
// fault in better-sqlite3, "Map.groupBy is not a function"). Plain JavaScript with no imports, so that it runs
// on any Node. Run directly it exits 2 with the message; imported it exports nodeVersionProblem().
export const REQUIRED_NODE = [22, 12];

/** The message for an unsupported Node version, or null when `version` (e.g. "20.11.1") is new enough. */
export function nodeVersionProblem(version, execPath) {
  const [major, minor] = String(version).replace(/^v/, '').split('.').map(Number);
  const [needMajor, needMinor] = REQUIRED_NODE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return null;
  return `error [NODE_VERSION]: tenet needs Node.js >= ${needMajor}.${needMinor}; this is Node ${String(version).replace(/^v/, '')}` +
    `${execPath ? ` (${execPath})` : ''}\n` +
    `  hint: install Node 22 — from the npm registry alone: \`npm install -g node@22\`; or \`nvm install 22\`, \`fnm use 22\`, https://nodejs.org —` +
    ` put it first on PATH, then run \`npm ci\` again` +
    ` (the native store driver is built for the Node that installs it)\n`;
}

if (/check-node\.js$/.test(process.argv[1] ?? '')) {
  const problem = nodeVersionProblem(process.versions.node, process.execPath);
  if (problem) {
    process.stderr.write(problem);
    process.exit(2);
  }
}
