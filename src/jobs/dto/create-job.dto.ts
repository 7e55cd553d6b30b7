import { DIRECTORY_ID } from '../../common/ids';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { PACKAGE_SIZES } from '../../orders/statuses';

/** An order: a package of N directories, or an explicit list, for one customer. */
export class CreateJobDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'customerId must be a UUID' })
  customerId: string;

  @ApiPropertyOptional({ enum: PACKAGE_SIZES, description: 'Give this or directoryIds, not both.' })
  @ValidateIf((o: CreateJobDto) => o.packageSize !== undefined || o.directoryIds === undefined)
  @IsIn(PACKAGE_SIZES, { message: 'packageSize must be 50, 100 or 500 (or send directoryIds instead)' })
  packageSize?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 },
    minItems: 1,
    maxItems: 500,
    uniqueItems: true,
    example: ['acme-listings', 'citypages'],
    description: 'Give this or packageSize, not both.',
  })
  @ValidateIf((o: CreateJobDto) => o.directoryIds !== undefined)
  @IsArray({ message: 'directoryIds must be an array of directory ids' })
  @ArrayMinSize(1) @ArrayMaxSize(500) @ArrayUnique({ message: 'directoryIds must not repeat an id' })
  @Matches(DIRECTORY_ID, { each: true, message: 'each of directoryIds must be a directory id such as acme-listings' })
  directoryIds?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 4, default: 3, description: '1 is the most urgent, 4 the least.' })
  @IsOptional()
  @IsInt({ message: 'priority must be a whole number from 1 (most urgent) to 4' })
  @Min(1, { message: 'priority must be from 1 (most urgent) to 4' })
  @Max(4, { message: 'priority must be from 1 (most urgent) to 4' })
  priority?: number;
}
