import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Live', description: 'The process answers.' })
export class LiveResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

@ApiSchema({ name: 'Ready', description: "Every check is up (@nestjs/terminus's result). When one is not: 503, naming it." })
export class ReadyResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ description: 'Each check by name: `{ "postgres": { "status": "up" }, "redis": { "status": "up" } }`', type: 'object', additionalProperties: true })
  details: Record<string, { status: 'up' }>;
  @ApiProperty({ description: 'The checks that are up (all of them)', type: 'object', additionalProperties: true }) info: Record<string, { status: 'up' }>;
  @ApiProperty({ description: 'Empty when ready', type: 'object', additionalProperties: true }) error: Record<string, never>;
}

@ApiSchema({ name: 'Health', description: 'Both stores answer. (When one does not: 503, naming it.)' })
export class LegacyHealthResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ enum: ['up'] }) postgres: 'up';
  @ApiProperty({ enum: ['up'] }) redis: 'up';
}
