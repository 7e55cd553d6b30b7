import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DirectoriesController } from './directories.controller';
import { DirectoriesService } from './directories.service';
import { Directory, DirectoryRevision } from './directory.entity';

/** The catalogue: admin API and service. AuditService comes from the global AuditModule. */
@Module({
  imports: [TypeOrmModule.forFeature([Directory, DirectoryRevision])],
  controllers: [DirectoriesController],
  providers: [DirectoriesService],
  exports: [DirectoriesService],
})
export class DirectoriesModule {}
