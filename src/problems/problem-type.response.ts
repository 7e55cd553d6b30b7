import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PROBLEM_KINDS, PROBLEM_TYPE_URIS } from '../common/problem-types';

@ApiSchema({ name: 'ProblemType', description: 'What a problem `type` means.' })
export class ProblemTypeResponse {
  @ApiProperty({ enum: PROBLEM_TYPE_URIS, format: 'uri-reference' }) type: string;
  @ApiProperty({ enum: PROBLEM_KINDS }) kind: string;
  @ApiProperty({ type: 'integer', description: 'The status problems of this kind are answered with.' }) status: number;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
}

@ApiSchema({ name: 'ProblemTypeList' })
export class ProblemTypeList {
  @ApiProperty({ type: [ProblemTypeResponse] }) items: ProblemTypeResponse[];
}
