"""SQLAlchemy models of the Flask-style corpus."""

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Payment(db.Model):
    __tablename__ = "payments"


class Invoice(db.Model):
    __tablename__ = "invoices"


class Order(db.Model):
    __tablename__ = "orders"

    def cancel(self):
        """expect: audit-log.missing"""
        self.status = "cancelled"
