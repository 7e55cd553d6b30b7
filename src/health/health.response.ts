import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Health', description: 'Both stores answer. (When one does not: 503, naming it.)' })
export class HealthResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ enum: ['up'] }) postgres: string;
  @ApiProperty({ enum: ['up'] }) redis: string;
}
