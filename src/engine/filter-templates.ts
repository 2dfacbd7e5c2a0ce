/**
 * FWPM_FILTER_ENUM_TEMPLATE0 selection, shared by enumeration and change subscriptions.
 *
 * [emu] Template conditions are supported as EQUAL with a single value (a sample point): OVERLAPPING keeps filters
 * that could match a packet carrying those values (each of the filter's groups on a templated field matches it),
 * FULLY_CONTAINED additionally requires every group of the filter to be on a templated field. Other template
 * condition forms are refused with STATUS_FWP_INVALID_PARAMETER. FWP_FILTER_ENUM_FLAG_BEST_TERMINATING_MATCH is
 * accepted and ignored; boot-time filters do not exist in the emulator, so BOOTTIME_ONLY selects nothing.
 */
import {
  FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY,
  FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED,
  FWP_FILTER_ENUM_FULLY_CONTAINED,
  FWP_FILTER_ENUM_OVERLAPPING,
  FWP_MATCH_EQUAL,
} from './constants.js';
import { matchCondition } from './conditions.js';
import { FwpError } from './errors.js';
import { canonicalGuid, isNullGuid, type GUID } from './guid.js';
import { layerByKey } from './layers.js';
import { NTSTATUS } from './ntstatus.js';
import type { FilterRecord } from './records.js';
import type { FWPM_FILTER_ENUM_TEMPLATE0 } from './structs.js';
import { FwpValue, isSingleValueType } from './values.js';

export type FilterPredicate = (f: FilterRecord) => boolean;

function optionalKey(g: GUID | null | undefined): GUID | null {
  if (isNullGuid(g)) return null;
  const k = canonicalGuid(g!);
  if (k === null) throw new FwpError(NTSTATUS.STATUS_INVALID_PARAMETER, `bad GUID ${g}`);
  return k;
}

/**
 * A predicate selecting the filters a template describes; a null template selects every enabled filter.
 * `includeDisabled` (change subscriptions) ignores FWPM_FILTER_FLAG_DISABLED.
 */
export function filterTemplatePredicate(
  template: FWPM_FILTER_ENUM_TEMPLATE0 | null | undefined,
  options: { includeDisabled?: boolean } = {},
): FilterPredicate {
  const anyState = options.includeDisabled === true;
  if (!template) return (f) => anyState || !f.disabled;
  const layer = layerByKey(template.layerKey);
  if (!layer) throw new FwpError(NTSTATUS.STATUS_FWP_LAYER_NOT_FOUND, `template layer ${template.layerKey}`);
  const providerKey = optionalKey(template.providerKey);
  const calloutKey = optionalKey(template.calloutKey);
  const flags = template.flags ?? 0;
  const actionMask = (template.actionMask ?? 0xffffffff) >>> 0;
  const enumType = template.enumType ?? FWP_FILTER_ENUM_FULLY_CONTAINED;
  if (enumType !== FWP_FILTER_ENUM_FULLY_CONTAINED && enumType !== FWP_FILTER_ENUM_OVERLAPPING) {
    throw new FwpError(NTSTATUS.STATUS_FWP_INVALID_ENUMERATOR, `enumType ${enumType}`);
  }
  const samples = new Map<number, FwpValue>();
  for (const c of template.filterCondition ?? []) {
    const index = layer.fieldIndexByKey.get(canonicalGuid(c.fieldKey) ?? c.fieldKey);
    if (index === undefined) throw new FwpError(NTSTATUS.STATUS_FWP_CONDITION_NOT_FOUND, `template field ${c.fieldKey}`);
    if (c.matchType !== FWP_MATCH_EQUAL || !isSingleValueType(c.conditionValue.type)) {
      throw new FwpError(NTSTATUS.STATUS_FWP_INVALID_PARAMETER, 'template conditions must be EQUAL with a single value');
    }
    samples.set(index, new FwpValue().assign(c.conditionValue));
  }
  return (f) => {
    if (f.layer !== layer) return false;
    if ((flags & FWP_FILTER_ENUM_FLAG_BOOTTIME_ONLY) !== 0) return false;
    if (f.disabled && !anyState && (flags & FWP_FILTER_ENUM_FLAG_INCLUDE_DISABLED) === 0) return false;
    if (providerKey !== null && f.providerKey !== providerKey) return false;
    if (calloutKey !== null && f.calloutKey !== calloutKey) return false;
    if ((f.actionType & actionMask) === 0) return false;
    if (samples.size === 0) return true;
    for (const group of f.groups) {
      const sample = samples.get(group[0]!.fieldIndex);
      if (sample === undefined) {
        if (enumType === FWP_FILTER_ENUM_FULLY_CONTAINED) return false;
        continue;
      }
      if (!group.some((c) => matchCondition(c, sample))) return false;
    }
    return true;
  };
}
