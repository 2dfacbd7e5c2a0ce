/**
 * GUIDs as strings. WFP identifies layers, conditions, sublayers, callouts, filters and sessions by GUID; the engine
 * keeps them in one canonical spelling (lower case, 8-4-4-4-12, no braces) so that Map lookups and comparisons are
 * plain string equality whatever spelling a caller used.
 */
import { randomUUID } from 'node:crypto';

export type GUID = string;

/** GUID_NULL: "no key", which makes the engine generate one (filters, sublayers, callouts, sessions). */
export const GUID_NULL: GUID = '00000000-0000-0000-0000-000000000000';

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The canonical spelling of `g`, or null when `g` is not a GUID. Accepts braces and upper case. */
export function canonicalGuid(g: string): GUID | null {
  let s = g.trim().toLowerCase();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  return CANONICAL.test(s) ? s : null;
}

/** True for undefined, null and the all-zero GUID: the C API's "not set". */
export function isNullGuid(g: GUID | null | undefined): boolean {
  return g === undefined || g === null || g === GUID_NULL || canonicalGuid(g) === GUID_NULL;
}

export function newGuid(): GUID {
  return randomUUID();
}
