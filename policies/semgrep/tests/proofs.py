# Rule tests for proofs.yaml (semgrep --test format).
import sqlalchemy
from sqlalchemy import text

TABLE = "payments"
COLUMNS = "id, amount, status"


def proofs(session, payment_id, status, ids):
    # ruleid: proof-sql-bound-parameters
    session.execute(text(f"SELECT {COLUMNS} FROM {TABLE} WHERE id = :id"), {"id": payment_id})
    # ruleid: proof-sql-bound-parameters
    query = text("SELECT id FROM " + TABLE + " WHERE status = :status")
    session.execute(query, {"status": status})
    # ruleid: proof-sql-bound-parameters
    one = text("SELECT id FROM payments WHERE id = :id").bindparams(id=payment_id)
    # ruleid: proof-sql-bound-parameters
    session.execute(sqlalchemy.text("SELECT id FROM payments WHERE id = :id"), {"id": payment_id})
    # ok: proof-sql-bound-parameters
    session.execute(text(f"SELECT id FROM payments WHERE status = '{status}'"))
    # ok: proof-sql-bound-parameters
    session.execute(text("SELECT id FROM payments"))
    return one
