import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { SCOPES, type Scope } from '../api-key';
import type { KeyView } from '../api-keys.service';

/** An API key as listed: never its secret. */
@ApiSchema({ name: 'ApiKey' })
export class ApiKeyResponse implements KeyView {
  @ApiProperty({ description: '16 hex characters; the middle part of the key.', example: '0123456789abcdef' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: Scope[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The account name; null for admin and worker keys without one.' }) account: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: Date | null;
}

/** A new key: the only answer that holds the whole key. */
@ApiSchema({ name: 'CreatedApiKey' })
export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key to send as Authorization: Bearer …; shown this once and stored nowhere.', example: 'bl_live_0123456789abcdef_…' })
  key: string;
}

@ApiSchema({ name: 'ApiKeyList' })
export class ApiKeyList {
  @ApiProperty({ type: [ApiKeyResponse] }) items: ApiKeyResponse[];
}
