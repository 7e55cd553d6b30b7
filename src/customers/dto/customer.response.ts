import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { Customer } from '../customer.entity';

/** A customer as the API answers it: the row, every field as it was sent. */
@ApiSchema({ name: 'Customer' })
export class CustomerResponse implements Customer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() businessName: string;
  @ApiProperty() email: string;
  @ApiProperty() phone: string;
  @ApiProperty() website: string;
  @ApiProperty() address: string;
  @ApiProperty() city: string;
  @ApiProperty() state: string;
  @ApiProperty() zip: string;
  @ApiProperty() country: string;
  @ApiProperty() category: string;
  @ApiProperty({ description: 'Empty when none was given.' }) description: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The account whose keys see this customer; null when an admin key made it.' })
  accountId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'CustomerPage' })
export class CustomerPage {
  @ApiProperty({ type: [CustomerResponse] }) items: CustomerResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) nextCursor: string | null;
}
