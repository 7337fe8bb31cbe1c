/**
 * The catalogue of event names: the built-in entries plus vendor events
 * registered at start-up. Lookups are by exact name.
 */
import { SeclogError } from '../errors.js';
import type { Outcome, Severity } from '../event/types.js';
import { CATALOGUE_ENTRIES } from './entries/index.js';
import type {
  AttrSpec,
  CatalogueEntry,
  EcsMapping,
  EventExample,
  EventGroup,
  OcsfMapping,
  RequiredField,
  RequirementRefs,
} from './types.js';
import { OCSF_BASE_EVENT } from './types.js';

/** Vendor names: `x_<vendor>_<name>`, lower snake case, at most 32 characters (the RFC 5424 MSGID limit). */
export const VENDOR_NAME = /^x_[a-z0-9]+_[a-z0-9_]+$/;
const ATTR_KEY = /^[a-z][a-z0-9_]{0,47}$/;

/** What a vendor supplies to register an event; omitted mappings fall back to OCSF Base Event / ECS host info. */
export interface VendorEventSpec {
  name: string;
  title: string;
  when: string;
  attrs: Record<string, AttrSpec>;
  group?: EventGroup;
  defaultSeverity?: Severity;
  defaultOutcome?: Outcome;
  mandatory?: boolean;
  critical?: boolean;
  requiredFields?: RequiredField[];
  ocsf?: OcsfMapping;
  ecs?: EcsMapping;
  requirements?: RequirementRefs;
  example: EventExample;
}

const builtIn = new Map<string, CatalogueEntry>(CATALOGUE_ENTRIES.map((e) => [e.name, e]));
const vendor = new Map<string, CatalogueEntry>();
/** Bumped on every registration so compiled validators know when to refresh. */
let generation = 0;

export function getCatalogueEntry(name: string): CatalogueEntry | undefined {
  return builtIn.get(name) ?? vendor.get(name);
}

/** Built-in entries in catalogue order, then vendor entries in registration order. */
export function catalogueEntries(): readonly CatalogueEntry[] {
  return vendor.size === 0 ? CATALOGUE_ENTRIES : [...CATALOGUE_ENTRIES, ...vendor.values()];
}

export function isBuiltInEvent(name: string): boolean {
  return builtIn.has(name);
}

export function catalogueGeneration(): number {
  return generation;
}

function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Register a vendor event; its schema then validates like a built-in one. */
export function registerVendorEvent(spec: VendorEventSpec): CatalogueEntry {
  if (spec.name.length > 32 || !VENDOR_NAME.test(spec.name)) {
    throw new SeclogError(
      'CATALOGUE_BAD_VENDOR_NAME',
      `vendor event name ${JSON.stringify(spec.name)} must match x_<vendor>_<name> and be at most 32 characters`,
      {
        name: spec.name,
      },
    );
  }
  if (getCatalogueEntry(spec.name)) {
    throw new SeclogError('CATALOGUE_DUPLICATE', `event ${spec.name} is already registered`, { name: spec.name });
  }
  for (const [key, attr] of Object.entries(spec.attrs)) {
    if (!ATTR_KEY.test(key)) {
      throw new SeclogError('CATALOGUE_BAD_SCHEMA', `${spec.name}: attribute name ${JSON.stringify(key)} must match ${ATTR_KEY.source}`, {
        name: spec.name,
        attr: key,
      });
    }
    if (!['string', 'integer', 'number', 'boolean'].includes(attr.type)) {
      throw new SeclogError(
        'CATALOGUE_BAD_SCHEMA',
        `${spec.name}: attribute ${key} has type ${String(attr.type)}; attributes are flat scalars (string, integer, number, boolean)`,
        {
          name: spec.name,
          attr: key,
        },
      );
    }
  }
  const entry: CatalogueEntry = {
    name: spec.name,
    title: spec.title,
    when: spec.when,
    group: spec.group ?? 'system',
    origin: 'any',
    defaultSeverity: spec.defaultSeverity ?? 'info',
    defaultOutcome: spec.defaultOutcome ?? 'unknown',
    mandatory: spec.mandatory ?? false,
    critical: spec.critical ?? false,
    sdkMethod: toCamel(spec.name),
    requiredFields: spec.requiredFields ?? [],
    attrs: spec.attrs,
    ocsf: spec.ocsf ?? OCSF_BASE_EVENT,
    ecs: spec.ecs ?? { kind: 'event', category: ['host'], type: ['info'] },
    requirements: spec.requirements ?? { iec62443: 'control system events', en304621: [], en303645: [] },
    example: spec.example,
  };
  vendor.set(entry.name, entry);
  generation++;
  return entry;
}

/** Forget all vendor registrations (tests). */
export function clearVendorEvents(): void {
  vendor.clear();
  generation++;
}
