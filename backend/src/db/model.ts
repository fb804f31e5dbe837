/**
 * The base of every Objection model. Models are bound to the unit of work's transaction (`scope.query`),
 * never to a global knex, so each query runs under that transaction's role and tenant. Beside row-level
 * security, the query builder names the scope's tenant in every read, update and delete of a tenant
 * table: a sharded database routes a query by that filter, and a model used outside its scope finds
 * nothing rather than another gym's rows.
 */
import type { Knex } from 'knex';
import { Model, QueryBuilder, type ModelClass, type ModelConstructor, type Page as ObjectionPage, type QueryContext } from 'objection';
import { decodeCursor, encodeCursor, type KeysetOrder, type Page, type PageQuery } from '../http/paging.js';

export interface ScopeContext {
  /** The tenant of the unit of work; absent in the platform scope. */
  tenantId?: string;
}

/** Names the scope's tenant in a query of a tenant table; runs for the query and each of its children. */
function tenantFilter(builder: ScopedQueryBuilder<Model, unknown>): void {
  const { tenantId } = builder.context() as ScopeContext;
  const model = builder.modelClass() as unknown as typeof BaseModel;
  if (tenantId && model.tenantScoped && !builder.isInsert()) {
    builder.where(`${builder.tableRefFor(model as unknown as ModelClass<Model>)}.tenant_id`, tenantId);
  }
}

/** A model class as the scope takes it. */
export type ModelOf<M extends Model> = ModelConstructor<M> & typeof Model;

/** A model's query in a transaction and scope: the only way services reach a model. */
export function scopedQuery<M extends Model>(model: ModelOf<M>, trx: Knex.Transaction, tenantId?: string): M['QueryBuilderType'] {
  // Objection types `query` by `this`, which a generic class parameter cannot carry: cast once, here.
  return model.query(trx).context({ tenantId, onBuild: tenantFilter });
}

export class ScopedQueryBuilder<M extends Model, R = M[]> extends QueryBuilder<M, R> {
  declare ArrayQueryBuilderType: ScopedQueryBuilder<M>;
  declare SingleQueryBuilderType: ScopedQueryBuilder<M, M>;
  declare MaybeSingleQueryBuilderType: ScopedQueryBuilder<M, M | undefined>;
  declare NumberQueryBuilderType: ScopedQueryBuilder<M, number>;
  declare PageQueryBuilderType: ScopedQueryBuilder<M, ObjectionPage<M>>;

  /**
   * One page of the query in `order` (keyset: stable while rows are added). The sort value travels as
   * text from SQL so timestamps keep their microseconds; the cursor is opaque.
   */
  async keysetPage(page: PageQuery, order: KeysetOrder): Promise<Page<M>> {
    const id = order.id ?? `${this.tableRefFor(this.modelClass())}.id`;
    const q = this.clone();
    if (!q.hasSelects()) q.select(`${this.tableRefFor(this.modelClass())}.*`);
    if (page.cursor) {
      const [value, lastId] = decodeCursor(page.cursor);
      const op = order.direction === 'desc' ? '<' : '>';
      q.whereRaw(`(??, ??) ${op} (?::${order.type}, ?::uuid)`, [order.column, id, value, lastId]);
    }
    const rows = (await q
      .select(Model.raw('??::text as __sort, ??::text as __id', [order.column, id]))
      .orderBy([{ column: order.column, order: order.direction }, { column: id, order: order.direction }])
      .limit(page.limit + 1)) as unknown as M[];
    const more = rows.length > page.limit;
    const items = more ? rows.slice(0, page.limit) : rows;
    const last = items.at(-1) as { __sort: string; __id: string } | undefined;
    return { items, next: more && last ? encodeCursor(last.__sort, last.__id) : null };
  }
}

export class BaseModel extends Model {
  declare QueryBuilderType: ScopedQueryBuilder<this>;
  static override QueryBuilder = ScopedQueryBuilder;
  /** Whether rows belong to one tenant (a `tenant_id` column the scope fills in and filters by). */
  static tenantScoped = false;

  override $beforeInsert(context: QueryContext): void {
    const { tenantId } = context as ScopeContext;
    const row = this as { tenant_id?: string | null };
    if (tenantId && (this.constructor as typeof BaseModel).tenantScoped && row.tenant_id === undefined) row.tenant_id = tenantId;
  }
}

/** A row of one gym: its `tenant_id` is the scope's, set on insert and named by every query. */
export class TenantModel extends BaseModel {
  static override tenantScoped = true;
  declare tenant_id: string;
}
