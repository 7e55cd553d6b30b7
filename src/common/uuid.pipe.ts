import { Injectable, PipeTransform } from '@nestjs/common';
import { isUuid } from './ids';
import { ProblemException } from './problem.filter';

/** A path id that is not a UUID names nothing: 404, like any unknown id (never a database error). */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw new ProblemException(404, `${this.what} ${value} not found`);
    return value.toLowerCase();
  }
}
