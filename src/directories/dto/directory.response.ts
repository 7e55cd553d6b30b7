import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AdapterDefinition } from '../definition/adapter.schema';
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
  @ApiProperty({ type: 'integer', description: 'Packages take the first N enabled directories in this order.' }) position: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'DirectoryList' })
export class DirectoryList {
  @ApiProperty({ type: [DirectoryResponse] }) items: DirectoryResponse[];
  @ApiProperty({ type: 'integer' }) total: number;
}
