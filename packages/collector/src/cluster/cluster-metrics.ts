/**
 * The cluster role in /metrics: which node integrates (alert when no node of a
 * database reports 1, or when two do for longer than a lease TTL), the lease
 * term (it grows at every takeover) and the role changes of this process.
 */
import { Gauge, type Registry } from 'prom-client';
import type { LeaseKeeper } from './lease-keeper.js';

export function registerClusterMetrics(registry: Registry, keeper: LeaseKeeper): void {
  const registers = [registry];
  new Gauge({
    name: 'seclog_cluster_leader',
    help: '1 while this collector holds the integrator lease (appends leaves, signs checkpoints, runs detection), else 0',
    registers,
    collect() {
      this.set(keeper.role === 'leader' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'seclog_cluster_lease_term',
    help: 'Term of the integrator lease this collector holds (0 while it follows); each takeover adds one',
    registers,
    collect() {
      this.set(keeper.role === 'leader' ? (keeper.term ?? 0) : 0);
    },
  });
  new Gauge({
    name: 'seclog_cluster_role_changes',
    help: 'Times this collector took or lost the integrator lease since it started',
    registers,
    collect() {
      this.set(keeper.transitions);
    },
  });
}
