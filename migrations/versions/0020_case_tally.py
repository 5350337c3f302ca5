"""Case tally: exact counts per municipality, status, advice and handler, kept by triggers;
list indexes that give a deep page's ids from the index alone.

The overview counted every case of the organisation on each visit (about 2 s at a
million cases). Triggers on `case` write a delta row in the same transaction as every
insert, change or removal, so the counts are exact, never a cache; the `tally` job adds
the deltas up. Note for later migrations: SQLite's batch mode recreates a table, which
drops its triggers; a batch change of `case` must create these triggers again. PostgreSQL: statement-level triggers with transition tables (one row per
group and statement, also for a 200,000-row import). SQLite: row-level triggers.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.enums import Advice, CaseStatus
from app.models.types import enum_column


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

LIST_INDEXES = {
    'ix_case_status_municipality_created': ['status', 'municipality_id', 'created_on'],
    'ix_case_municipality_created': ['municipality_id', 'created_on'],
}
COLUMNS = "municipality_id, status, advice, handler_id, cases, adults, insured"
ADULTS = "(1 + CASE WHEN {r}.partner_id IS NULL THEN 0 ELSE 1 END)"
INSURED = "(1 + CASE WHEN {r}.partner_id IS NULL THEN 0 ELSE 1 END + {r}.children_count)"
# The columns a count depends on: a change of anything else writes no delta.
COUNTED = ("municipality_id", "status", "advice", "handler_id", "partner_id", "children_count")


def _values(r, sign):
    return (f"{r}.municipality_id, {r}.status, {r}.advice, {r}.handler_id, {sign}1, "
            f"{sign}{ADULTS.format(r=r)}, {sign}{INSURED.format(r=r)}")


def _postgresql():
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in COUNTED)
    grouped = (f"SELECT municipality_id, status, advice, handler_id, sum(cases), sum(adults), "
               f"sum(insured) FROM d GROUP BY municipality_id, status, advice, handler_id "
               f"HAVING sum(cases) <> 0 OR sum(adults) <> 0 OR sum(insured) <> 0")
    op.execute(f"""
        CREATE FUNCTION case_tally_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO case_tally ({COLUMNS})
            WITH d ({COLUMNS}) AS (SELECT {_values('n', '+')} FROM new_rows n) {grouped};
          ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO case_tally ({COLUMNS})
            WITH d ({COLUMNS}) AS (SELECT {_values('o', '-')} FROM old_rows o) {grouped};
          ELSE
            INSERT INTO case_tally ({COLUMNS})
            WITH c AS (SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
                       WHERE {changed}),
                 d ({COLUMNS}) AS (
                   SELECT {_values('o', '-')} FROM old_rows o JOIN c ON c.id = o.id
                   UNION ALL
                   SELECT {_values('n', '+')} FROM new_rows n JOIN c ON c.id = n.id)
            {grouped};
          END IF;
          RETURN NULL;
        END $$;
    """)
    op.execute('CREATE TRIGGER case_tally_insert AFTER INSERT ON "case" '
               'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
               'EXECUTE FUNCTION case_tally_changed()')
    op.execute('CREATE TRIGGER case_tally_update AFTER UPDATE ON "case" '
               'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
               'EXECUTE FUNCTION case_tally_changed()')
    op.execute('CREATE TRIGGER case_tally_delete AFTER DELETE ON "case" '
               'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
               'EXECUTE FUNCTION case_tally_changed()')


def _sqlite():
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED)
    op.execute(f'CREATE TRIGGER case_tally_insert AFTER INSERT ON "case" BEGIN '
               f'INSERT INTO case_tally ({COLUMNS}) VALUES ({_values("NEW", "+")}); END')
    op.execute(f'CREATE TRIGGER case_tally_update AFTER UPDATE ON "case" WHEN {changed} BEGIN '
               f'INSERT INTO case_tally ({COLUMNS}) VALUES ({_values("OLD", "-")}), '
               f'({_values("NEW", "+")}); END')
    op.execute(f'CREATE TRIGGER case_tally_delete AFTER DELETE ON "case" BEGIN '
               f'INSERT INTO case_tally ({COLUMNS}) VALUES ({_values("OLD", "-")}); END')


def upgrade():
    op.create_table(
        'case_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('status', enum_column(CaseStatus), nullable=False),
        sa.Column('advice', enum_column(Advice), nullable=True),
        sa.Column('handler_id', sa.Integer(), nullable=True),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('adults', sa.Integer(), nullable=False),
        sa.Column('insured', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_case_tally_municipality_id', 'case_tally', ['municipality_id'],
                    unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()
    # The cases there are now, as one delta per group.
    op.execute(f'INSERT INTO case_tally ({COLUMNS}) SELECT c.municipality_id, c.status, '
               f'c.advice, c.handler_id, count(*), sum({ADULTS.format(r="c")}), '
               f'sum({INSURED.format(r="c")}) FROM "case" c '
               f'GROUP BY c.municipality_id, c.status, c.advice, c.handler_id')
    # A deep page of a list (OFFSET 50,000) takes its ids from the index alone.
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='case')
        op.create_index(name, 'case', [*columns, 'id'], unique=False)
    # The overview's other questions, answered from an index instead of the whole table.
    op.create_index('ix_case_status_hold_until', 'case', ['status', 'hold_until'], unique=False)
    op.create_index('ix_case_municipality_kind_created', 'case',
                    ['municipality_id', 'kind', 'created_on'], unique=False)


def downgrade():
    for name, columns in LIST_INDEXES.items():
        op.drop_index(name, table_name='case')
        op.create_index(name, 'case', columns, unique=False)
    op.drop_index('ix_case_municipality_kind_created', table_name='case')
    op.drop_index('ix_case_status_hold_until', table_name='case')
    for name in ("insert", "update", "delete"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f'DROP TRIGGER case_tally_{name} ON "case"')
        else:
            op.execute(f'DROP TRIGGER case_tally_{name}')
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP FUNCTION case_tally_changed()')
    op.drop_index('ix_case_tally_municipality_id', table_name='case_tally')
    op.drop_table('case_tally')
