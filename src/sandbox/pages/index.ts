import type { LayoutName } from '../adapters';
import { classicSite } from './classic';
import { labelledSite } from './labelled';
import type { LayoutSite } from './site';
import { spaSite } from './spa';
import { twoStepSite } from './two-step';
import { wizardSite } from './wizard';

export const SITES: Record<LayoutName, LayoutSite> = {
  classic: classicSite,
  'two-step': twoStepSite,
  labelled: labelledSite,
  spa: spaSite,
  wizard: wizardSite,
};
