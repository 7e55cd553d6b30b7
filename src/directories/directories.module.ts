import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';
import { DirectoriesController } from './directories.controller';
import { DirectoriesService } from './directories.service';
import { Directory, DirectoryRevision } from './directory.entity';

/** The catalogue: admin API and service. AuditService comes from the global AuditModule. */
@Module({
  imports: [TypeOrmModule.forFeature([Directory, DirectoryRevision])],
  controllers: [DirectoriesController, CredentialsController],
  providers: [DirectoriesService, CredentialsService],
  exports: [DirectoriesService, CredentialsService],
})
export class DirectoriesModule {}
