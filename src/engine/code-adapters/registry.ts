import type { CodeAdapterName } from '../../directories/definition/code-adapter-names';
import type { CodeAdapter } from './code-adapter';
import { fetchForm } from './fetch-form';

/**
 * Every code adapter by the name definitions use. Typed by CODE_ADAPTER_NAMES, so a name without
 * a module (or a module without a name) does not compile. To add one: its name to
 * src/directories/definition/code-adapter-names.ts, its module beside this file, its line here.
 */
export const CODE_ADAPTERS: Record<CodeAdapterName, CodeAdapter> = {
  'fetch-form': fetchForm,
};
