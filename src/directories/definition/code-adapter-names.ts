/**
 * The code adapters this Boltline ships, by the name a definition gives as `code: "<name>"`. The
 * names live here, on the ground floor, so the schema can check a definition when it is written
 * (the API and the catalogue import) without importing the engine; the engine's registry
 * (src/engine/code-adapters/registry.ts) maps each name to its module, and is typed by
 * this list so that the two cannot drift apart.
 */
export const CODE_ADAPTER_NAMES = ['fetch-form'] as const;

export type CodeAdapterName = (typeof CODE_ADAPTER_NAMES)[number];
