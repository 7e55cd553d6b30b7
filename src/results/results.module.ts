import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Customer } from '../customers/customer.entity';
import { OrdersModule } from '../orders/orders.module';
import { ResultsService } from './results.service';

/** Customer: a worker reads the customer of each submission it makes (ResultsService.claim). */
@Module({ imports: [OrdersModule, TypeOrmModule.forFeature([Customer])], providers: [ResultsService], exports: [ResultsService] })
export class ResultsModule {}
