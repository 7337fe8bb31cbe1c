/**
 * `npm run bench -- <group> [<group>…]`: run benchmark groups. Not part of
 * `npm test`; figures go to bench/results/<group>.json.
 */
const groups: Record<string, () => Promise<{ run: () => Promise<void> | void }>> = {
  collector: () => import('./collector.js'),
  core: () => import('./core.js'),
  integrity: () => import('./integrity.js'),
  verify: () => import('./verify.js'),
  query: () => import('./query.js'),
  detect: () => import('./detect.js'),
  agent: () => import('./agent.js'),
  syslog: () => import('./syslog.js'),
  postgres: () => import('./postgres.js'),
};

const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.some((g) => !(g in groups))) {
  process.stderr.write(`usage: npm run bench -- <group>…   groups: ${Object.keys(groups).join(', ')}\n`);
  process.exit(2);
}
for (const g of wanted) {
  const mod = await (groups[g] as () => Promise<{ run: () => Promise<void> | void }>)();
  await mod.run();
}
