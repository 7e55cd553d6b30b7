import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { directoryPatchSchema, directorySchema } from './definition/directory.schema';

/**
 * Request bodies of the directory routes, straight from the zod schema the service validates
 * with (not class-validator DTOs), so the document cannot drift from what is accepted.
 */
export const DIRECTORY_BODY_SCHEMAS = {
  DirectoryDefinition: () => ({
    ...z.toJSONSchema(directorySchema, { io: 'input', target: 'openapi-3.0' }),
    description: 'A directory and its adapter (format version 1), as GET /api/v1/directories/schema describes it.',
  }),
  DirectoryPatch: () => ({
    ...z.toJSONSchema(directoryPatchSchema, { io: 'input', target: 'openapi-3.0' }),
    description: 'Any of the fields of a DirectoryDefinition but id; an adapter given replaces the whole adapter.',
  }),
} as const;

/** Adds the bodies above to the document's components, where the directory routes reference them. */
export function withDirectoryBodySchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components ??= {}).schemas ??= {};
  for (const [name, schema] of Object.entries(DIRECTORY_BODY_SCHEMAS)) schemas[name] = schema() as (typeof schemas)[string];
  return document;
}
