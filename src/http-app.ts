import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { requireJsonContentType, requireUtf8 } from './common/json-body';
import { ProblemFilter } from './common/problem.filter';
import { strictValidationPipe } from './common/validation';
import { BULL_BOARD_ROUTE } from './dashboard/bull-board.constants';

export const API_PREFIX = 'api/v1';

/** Builds the API application (used by `main.ts` and by tests). */
export async function createHttpApp(logger?: LogLevel[]): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false, logger });
  app.use(`/${API_PREFIX}`, requireJsonContentType);
  app.useBodyParser('json', { limit: '1mb', verify: requireUtf8 });
  app.setGlobalPrefix(API_PREFIX, { exclude: [BULL_BOARD_ROUTE, `${BULL_BOARD_ROUTE}/{*path}`] });
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  const doc = new DocumentBuilder()
    .setTitle('Boltline API')
    .setDescription('Orders of directory submissions, their progress and results.')
    .setVersion('1')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc));
  return app;
}
