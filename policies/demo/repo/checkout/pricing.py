"""Demo: order totals computed with binary floats."""


def order_total(lines, tax_rate):
    subtotal = sum(float(line.amount) for line in lines)  # sast.float-money
    total = subtotal * (1 + tax_rate)
    return round(total, 2)
