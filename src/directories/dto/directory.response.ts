import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { AdapterDefinition } from '../definition/adapter.schema';
import type { Removal, RevisionView } from '../directories.service';
import type { Directory } from '../directory.entity';

@ApiSchema({ name: 'Directory', description: 'A directory Boltline submits to.' })
export class DirectoryResponse implements Directory {
  @ApiProperty({ description: 'The id orders name it by.', example: 'acme-listings' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'uri' }) submitUrl: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'How the form is filled in: steps, fields, outcomes (for people to read).' })
  adapter: AdapterDefinition;
  @ApiProperty({ type: 'integer', description: 'Goes up by one with every change of submitUrl or adapter; results record the revision they ran with.' })
  revision: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: 'integer', description: 'Attempts in a row that found one of its targets missing; DIRECTORY_PAUSE_AFTER of them pause it.' })
  targetMisses: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it paused itself (its queued rows wait); null when it is not paused. POST /directories/:id/resume ends it.' })
  pausedAt: Date | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it paused itself, e.g. which target was last missing.' })
  pausedReason: string | null;
  @ApiProperty({ type: 'integer', description: 'Packages take the first N enabled directories in this order.' }) position: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'DirectoryList' })
export class DirectoryList {
  @ApiProperty({ type: [DirectoryResponse] }) items: DirectoryResponse[];
  @ApiProperty({ type: 'integer' }) total: number;
}

@ApiSchema({ name: 'DirectoryRevision', description: 'One definition a directory had: its form page and adapter from that revision on.' })
export class DirectoryRevisionResponse implements RevisionView {
  @ApiProperty({ type: 'integer', description: 'Results record the revision their attempt ran with (`directoryRevision`).' }) revision: number;
  @ApiProperty({ format: 'uri' }) submitUrl: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The adapter of this revision, as stored (defaults filled in).' })
  adapter: AdapterDefinition;
  @ApiProperty({ description: "Who made it: an API key's name, a staff member's email, or `import`/`migration`." }) createdBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

@ApiSchema({ name: 'DirectoryRevisionList', description: 'Newest first.' })
export class DirectoryRevisionList {
  @ApiProperty({ type: [DirectoryRevisionResponse] }) items: DirectoryRevisionResponse[];
}

@ApiSchema({ name: 'DirectoryRemoval', description: 'What DELETE did: a directory no result points at is deleted; one with results is disabled instead.' })
export class DirectoryRemovalResponse implements Removal {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['deleted', 'disabled'] }) outcome: 'deleted' | 'disabled';
  @ApiPropertyOptional({ description: 'Why it was disabled rather than deleted.' }) reason?: string;
}

@ApiSchema({ name: 'DirectoryJsonSchema', description: 'JSON Schema (draft 2020-12) of a directory as written in POST and PUT bodies and catalogue files.' })
export class DirectoryJsonSchemaResponse {
  @ApiProperty({ example: 'https://json-schema.org/draft/2020-12/schema' }) $schema: string;
  @ApiProperty({ example: 'Boltline directory' }) title: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ['object'] }) type: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'id, name, submitUrl, enabled, position and adapter (with its steps, outcomes and the rest).' })
  properties: Record<string, unknown>;
  @ApiProperty({ type: [String] }) required: string[];
  @ApiProperty() additionalProperties: boolean;
}
