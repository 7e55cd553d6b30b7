import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Directory } from './directory.entity';

@Injectable()
export class DirectoriesService {
  constructor(@InjectRepository(Directory) private readonly directories: Repository<Directory>) {}

  list(includeDisabled: boolean): Promise<Directory[]> {
    return this.directories.find({ where: includeDisabled ? {} : { enabled: true }, order: { position: 'ASC', id: 'ASC' } });
  }
}
