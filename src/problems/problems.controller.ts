import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/caller';
import { ApiProblems } from '../common/api-docs';
import { PROBLEM_KINDS, PROBLEM_TYPES, PROBLEMS_PATH, problemType, ProblemKind } from '../common/problem-types';
import { ProblemException } from '../common/problem.filter';
import { ProblemTypeList, ProblemTypeResponse } from './problem-type.response';

const isKind = (kind: string): kind is ProblemKind => (PROBLEM_KINDS as string[]).includes(kind);

function describe(kind: ProblemKind) {
  const { status, title, description } = PROBLEM_TYPES[kind];
  return { type: problemType(kind), kind, status, title, description };
}

/**
 * What each problem `type` means, served at the type's own URI (`/problems/<kind>`, outside the
 * versioned prefix), so the `type` of an error answer leads to its explanation. Public.
 */
@ApiTags('problems')
@Public()
@Controller(PROBLEMS_PATH)
export class ProblemsController {
  @Get()
  @ApiOkResponse({ type: ProblemTypeList })
  list() {
    return { items: PROBLEM_KINDS.map(describe) };
  }

  @Get(':kind')
  @ApiOkResponse({ type: ProblemTypeResponse })
  @ApiProblems(404)
  get(@Param('kind') kind: string) {
    if (!isKind(kind)) throw new ProblemException(404, `there is no problem type ${kind}; GET /${PROBLEMS_PATH} lists them`);
    return describe(kind);
  }
}
