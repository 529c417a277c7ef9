/** `npm run bench -- <name>`: runs one benchmark. Benchmarks never run in `npm test`. */
const benches: Record<string, () => Promise<void>> = {
  jobs: async () => (await import('./jobs.js')).main(),
  checks: async () => (await import('./checks.js')).main(),
  alerting: async () => (await import('./alerting.js')).main(),
  backup: async () => (await import('./backup.js')).main(),
  startup: async () => (await import('./startup.js')).main(),
  operate: async () => (await import('./operate.js')).main(),
  deploy: async () => (await import('./deploy.js')).main(),
  incidents: async () => (await import('./incidents.js')).main(),
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
await bench();
