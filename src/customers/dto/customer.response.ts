import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { LOGO_MAX_BYTES, LOGO_TYPE_LIST, type LogoInfo, type LogoType } from '../customer-logo';
import type { CustomerView } from '../customers.service';

@ApiSchema({ name: 'CustomerLogo', description: "What is stored of the customer's logo; GET /customers/{id}/logo serves the image." })
export class CustomerLogoResponse implements LogoInfo {
  @ApiProperty({ enum: LOGO_TYPE_LIST }) type: LogoType;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: LOGO_MAX_BYTES, description: 'Its size in bytes.' }) bytes: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes, in hex.' }) sha256: string;
}

/** A customer as the API answers it: every field as it was sent, and what it has of a logo. */
@ApiSchema({ name: 'Customer' })
export class CustomerResponse implements CustomerView {
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
  @ApiProperty({ type: CustomerLogoResponse, nullable: true, description: 'null until a logo is stored (PUT /customers/{id}/logo).' })
  logo: CustomerLogoResponse | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

@ApiSchema({ name: 'CustomerPage' })
export class CustomerPage {
  @ApiProperty({ type: [CustomerResponse] }) items: CustomerResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' }) nextCursor: string | null;
}
