"""Demo: order totals computed with binary floats."""

import logging

logger = logging.getLogger(__name__)


def order_total(lines, tax_rate):
    subtotal = sum(float(line.amount) for line in lines)  # sast.float-money
    total = subtotal * (1 + tax_rate)
    logger.info("charging card %s", lines[0].card_number)  # sast.card-data-logged
    return round(total, 2)
