import type { FormAdapterDefinition } from '../../directories/definition/adapter.schema';
import { classic } from './classic';
import { labelled } from './labelled';
import { spa } from './spa';
import { twoStep } from './two-step';
import { wizard } from './wizard';

/** In catalogue rotation order: directory N gets LAYOUT_NAMES[(N - 1) % 5]. */
export const LAYOUT_NAMES = ['classic', 'two-step', 'labelled', 'spa', 'wizard'] as const;
export type LayoutName = (typeof LAYOUT_NAMES)[number];

export const LAYOUTS: Record<LayoutName, FormAdapterDefinition> = {
  classic,
  'two-step': twoStep,
  labelled,
  spa,
  wizard,
};
