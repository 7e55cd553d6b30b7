import type { AdapterDefinition } from './adapters/adapter-definition';
import { LAYOUTS } from './adapters/layouts';
import { layoutOf } from '../sandbox/behaviour';

export interface CatalogueEntry {
  slug: string;
  name: string;
  submitUrl: string;
  position: number;
  enabled: boolean;
  adapter: AdapterDefinition;
}

export const SANDBOX_DIRECTORY_COUNT = 520;

const NAME_WORDS = ['Local', 'City', 'Metro', 'Regional', 'Neighbourhood', 'Trade', 'Open', 'Main Street'];
const NAME_KINDS = ['Listings', 'Directory', 'Pages', 'Finder', 'Guide', 'Index', 'Register'];

export function sandboxSlug(position: number): string {
  return `sandbox-${String(position).padStart(4, '0')}`;
}

/** Readable and unique: the words vary, the trailing number keeps names apart. */
export function sandboxDirectoryName(position: number): string {
  const word = NAME_WORDS[(position - 1) % NAME_WORDS.length];
  const kind = NAME_KINDS[Math.floor((position - 1) / NAME_WORDS.length) % NAME_KINDS.length];
  return `Sandbox ${word} ${kind} ${position}`;
}

/** The sandbox's directory sites, served by `startSandbox` at `baseUrl`, in package order. */
export function sandboxCatalogue(baseUrl: string): CatalogueEntry[] {
  const base = baseUrl.replace(/\/+$/, '');
  return Array.from({ length: SANDBOX_DIRECTORY_COUNT }, (_, i) => {
    const position = i + 1;
    const slug = sandboxSlug(position);
    return {
      slug,
      name: sandboxDirectoryName(position),
      submitUrl: `${base}/d/${slug}/`,
      position,
      enabled: true,
      adapter: LAYOUTS[layoutOf(position)],
    };
  });
}
