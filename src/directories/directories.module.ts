import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DirectoriesController } from './directories.controller';
import { DirectoriesService } from './directories.service';
import { Directory } from './directory.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Directory])],
  controllers: [DirectoriesController],
  providers: [DirectoriesService],
  exports: [DirectoriesService],
})
export class DirectoriesModule {}
