import { Injectable, PipeTransform } from '@nestjs/common';
import { ProblemException } from './problem.filter';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID names nothing: 404, like any unknown id (never a database error). */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!UUID.test(value)) throw new ProblemException(404, `${this.what} ${value} not found`);
    return value.toLowerCase();
  }
}
