import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity from a row a raw statement returned (`RETURNING *` of a batch that a repository call
 * would split into several round trips), its columns converted as TypeORM converts its own reads.
 */
export function entityFromRow<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = m.connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) column.setEntityValue(entity, m.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  return entity;
}
