import { CUSTOMER_FIELDS, type CustomerField } from '../customers/customer-fields';
import { listingProblem } from './listing';
import type { FinalAnswer, LayoutSite, SiteDirectory } from './pages/site';
import type { SandboxState, SubmissionOutcome } from './sandbox-state';

/**
 * What a directory does with a final-step POST, whatever its layout: the flaky first-attempt
 * 500 (not recorded), then validation, then the duplicate check. Every POST past the 500 is
 * recorded, duplicates included, so a double submission is visible as well as refused.
 */
export function processFinalSubmission(
  state: SandboxState,
  dir: SiteDirectory,
  site: LayoutSite,
  fields: Record<string, string>,
): FinalAnswer {
  const values = Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f, fields[site.fieldNames[f]]])) as Partial<Record<CustomerField, string>>;
  const website = values.website ?? '';
  const businessName = values.businessName ?? '';
  if (dir.behaviour === 'flaky' && state.tripFlaky(dir.slug, website)) {
    return { status: 500, ok: false, message: 'Temporary server error, please try again later' };
  }
  const record = (outcome: SubmissionOutcome) =>
    state.record({ slug: dir.slug, position: dir.position, website, businessName, fields, outcome, at: new Date().toISOString() });

  const problem = listingProblem(values) ?? site.requiredChecks.find((c) => !fields[c.name])?.message;
  if (problem) {
    record('rejected');
    return { status: 422, ok: false, message: problem };
  }
  if (dir.behaviour === 'always-listed' || state.isListed(dir.slug, website)) {
    record('already_listed');
    return { status: 409, ok: false, message: 'This business is already listed' };
  }
  record('accepted');
  return { status: 200, ok: true, message: `Thank you! ${businessName} has been submitted for listing.` };
}
