/**
 * The demo fleet: which devices, with which profile, and which of them the
 * scripted incidents happen to. The first eight are fixed so the timeline
 * (docs/demo.md) names them; more devices only add everyday traffic.
 */
import type { DeviceSpec } from './sim-device.js';

const KIB = 1024;
/** High-profile rings: 1 MiB instead of the profile's 16 MiB (eight of those would be 128 MiB of zeros at start). */
const HIGH_RING = 1024 * KIB;
/** The low profile's own default. */
const LOW_RING = 256 * KIB;
/** bulb-1's ring: about 35 records, so an outage with a burst overflows it within seconds. */
export const OVERFLOW_RING = 16 * KIB;

export const FIXED_FLEET: readonly DeviceSpec[] = [
  { id: 'cam-1', profile: 'high', model: 'ipcam-x2', fw: '2.4.1', ringBytes: HIGH_RING },
  { id: 'gw-1', profile: 'high', model: 'edge-gw', fw: '5.1.0', ringBytes: HIGH_RING },
  { id: 'cam-2', profile: 'high', model: 'ipcam-x2', fw: '2.4.1', ringBytes: HIGH_RING },
  { id: 'bulb-1', profile: 'low', model: 'bulb-a19', fw: '1.0.7', ringBytes: OVERFLOW_RING },
  { id: 'plc-1', profile: 'high', model: 'plc-s7', fw: '3.2.0', ringBytes: HIGH_RING },
  { id: 'gw-2', profile: 'high', model: 'edge-gw', fw: '5.1.0', ringBytes: HIGH_RING },
  { id: 'cam-3', profile: 'high', model: 'ipcam-x2', fw: '2.4.0', ringBytes: HIGH_RING },
  { id: 'bulb-2', profile: 'low', model: 'bulb-a19', fw: '1.0.7', ringBytes: LOW_RING },
];

/** The fleet of `n` devices: the fixed eight (or their first n), then sensors alternating low and high. */
export function fleetOf(n: number): DeviceSpec[] {
  const out = FIXED_FLEET.slice(0, n);
  for (let i = out.length; i < n; i++) {
    const low = i % 2 === 0;
    out.push({
      id: `sensor-${i + 1}`,
      profile: low ? 'low' : 'high',
      model: low ? 'env-sensor' : 'door-ctl',
      fw: low ? '0.9.3' : '1.4.2',
      ringBytes: low ? LOW_RING : HIGH_RING,
    });
  }
  return out;
}
