import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import { documentedLength, lengthOf } from '../customer-limits';

// Single-line fields: a form's text input drops line breaks, so a value holding one could not be
// typed as given; tabs and other control characters have no business in a listing either.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const controlMessage = { message: '$property must be one line without control characters (tabs, line breaks, NUL)' };

/**
 * A business whose listing Boltline submits. Values are typed into forms exactly as given; their
 * limits (customer-limits.ts) are what directory forms take.
 */
export class CreateCustomerDto {
  @ApiProperty({ example: 'Blue Door Bakery', ...documentedLength('businessName') })
  @IsString() @Length(...lengthOf('businessName')) @Matches(NO_CONTROL, controlMessage)
  businessName: string;

  @ApiProperty({ example: 'hello@bluedoor.example', format: 'email', ...documentedLength('email') })
  @IsEmail({}, { message: 'email must be an email address, e.g. owner@example.com' })
  @Length(...lengthOf('email'))
  email: string;

  @ApiProperty({ example: '+1 512 555 0100', pattern: '^\\+?[0-9 ().-]{5,32}$', ...documentedLength('phone') })
  @IsString() @Matches(/^\+?[0-9 ().-]{5,32}$/, { message: 'phone must be 5-32 digits, spaces, +, (, ), . or -' })
  phone: string;

  @ApiProperty({ example: 'https://bluedoor.example', format: 'uri', ...documentedLength('website') })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'website must be an http(s) URL, e.g. https://example.com' })
  @Length(...lengthOf('website'))
  website: string;

  @ApiProperty({ example: '12 Main Street', ...documentedLength('address') })
  @IsString() @Length(...lengthOf('address')) @Matches(NO_CONTROL, controlMessage)
  address: string;

  @ApiProperty({ example: 'Austin', ...documentedLength('city') })
  @IsString() @Length(...lengthOf('city')) @Matches(NO_CONTROL, controlMessage)
  city: string;

  @ApiProperty({ example: 'TX', ...documentedLength('state') })
  @IsString() @Length(...lengthOf('state')) @Matches(NO_CONTROL, controlMessage)
  state: string;

  @ApiProperty({ example: '78701', ...documentedLength('zip') })
  @IsString() @Length(...lengthOf('zip')) @Matches(NO_CONTROL, controlMessage)
  zip: string;

  @ApiProperty({ example: 'US', ...documentedLength('country') })
  @IsString() @Length(...lengthOf('country')) @Matches(NO_CONTROL, controlMessage)
  country: string;

  @ApiProperty({ example: 'Restaurant', ...documentedLength('category') })
  @IsString() @Length(...lengthOf('category')) @Matches(NO_CONTROL, controlMessage)
  category: string;

  @ApiPropertyOptional({ example: 'Sourdough and coffee since 1998.', description: 'Several lines allowed.', ...documentedLength('description') })
  @IsOptional() @IsString() @Length(...lengthOf('description'))
  description?: string;
}
