import { DataSource } from 'typeorm';
import { loadConfig } from '../config/config.schema';
import { dataSourceOptions } from './data-source';

/** For the TypeORM CLI only (`npm run migration:run`): it wants a module exporting a DataSource. Migrations need no entities. */
export default new DataSource(dataSourceOptions(loadConfig().DATABASE_URL, 'admin', []));
