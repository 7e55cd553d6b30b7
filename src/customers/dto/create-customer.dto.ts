import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';

// Single-line fields: a form's text input drops line breaks, so a value holding one could not be
// typed as given; tabs and other control characters have no business in a listing either.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const controlMessage = { message: '$property must be one line without control characters (tabs, line breaks, NUL)' };

/** A business whose listing Boltline submits. Values are typed into forms exactly as given. */
export class CreateCustomerDto {
  @ApiProperty({ example: 'Blue Door Bakery', maxLength: 10000 })
  @IsString() @Length(1, 10000) @Matches(NO_CONTROL, controlMessage)
  businessName: string;

  @ApiProperty({ example: 'hello@bluedoor.example' })
  @IsEmail({}, { message: 'email must be an email address, e.g. owner@example.com' })
  @Length(3, 254)
  email: string;

  @ApiProperty({ example: '+1 512 555 0100' })
  @IsString() @Matches(/^\+?[0-9 ().-]{5,32}$/, { message: 'phone must be 5-32 digits, spaces, +, (, ), . or -' })
  phone: string;

  @ApiProperty({ example: 'https://bluedoor.example' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'website must be an http(s) URL, e.g. https://example.com' })
  @Length(1, 2048)
  website: string;

  @ApiProperty({ example: '12 Main Street' }) @IsString() @Length(1, 500) @Matches(NO_CONTROL, controlMessage)
  address: string;

  @ApiProperty({ example: 'Austin' }) @IsString() @Length(1, 200) @Matches(NO_CONTROL, controlMessage)
  city: string;

  @ApiProperty({ example: 'TX' }) @IsString() @Length(1, 200) @Matches(NO_CONTROL, controlMessage)
  state: string;

  @ApiProperty({ example: '78701' }) @IsString() @Length(1, 20) @Matches(NO_CONTROL, controlMessage)
  zip: string;

  @ApiProperty({ example: 'US' }) @IsString() @Length(2, 100) @Matches(NO_CONTROL, controlMessage)
  country: string;

  @ApiProperty({ example: 'Restaurant' }) @IsString() @Length(1, 100) @Matches(NO_CONTROL, controlMessage)
  category: string;

  @ApiPropertyOptional({ example: 'Sourdough and coffee since 1998.', maxLength: 5000 })
  @IsOptional() @IsString() @Length(0, 5000) @Matches(/^[^\u0000]*$/, { message: 'description must not contain NUL characters' })
  description?: string;
}
