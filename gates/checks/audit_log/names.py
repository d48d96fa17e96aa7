"""Which names, expressions and classes are payment-like: the vocabulary changes are judged by.

A name is payment-like when one of its words (snake_case and CamelCase parts, singular or plural)
is one of the policy's `payment_words` (`refund`, `order_payment`, `PaymentIntent`,
`transactions`); `self`/`cls` when the enclosing class's name is; any local name the function
binds from a payment-like value (`p = Payment.objects.get(...)`) or annotates with a payment-like
type (`def refund(p: Payment)`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_NEUTRAL = frozenset({"obj", "object", "instance", "record", "row", "entity", "model", "orm", "db"})
QUERYSET_METHODS = frozenset(
    {"objects", "filter", "exclude", "all", "select_for_update", "query", "where", "filter_by"}
)


def words(name: str) -> list[str]:
    """`refundRequest_v2` -> ['refund', 'request', 'v', '2']."""
    return [w.lower() for w in _WORDS.findall(name)]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes"):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def terminal(node: ast.expr) -> str | None:
    """`a.b.c` -> 'c', `f` -> 'f', anything else -> None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` -> 'a.b.c' (names and attributes only), else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def chain(node: ast.expr) -> Iterator[ast.expr]:
    """The receivers of a call/attribute chain, outermost first: `A.objects.filter(x).update`
    yields the filter call, `A.objects`, `A`."""
    while True:
        yield node
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            return


@dataclass(slots=True)
class Vocabulary:
    """Payment-likeness for one function: the policy's words plus the names it binds."""

    payment_words: frozenset[str]
    bound: frozenset[str] = frozenset()  # local names bound to payment-like values
    querysets: frozenset[str] = frozenset()  # local names bound to payment querysets
    fresh: frozenset[str] = frozenset()  # local names only ever bound to a new object

    class_is_payment: bool = False  # `self` is payment-like (see payment_class)

    def word_match(self, name: str) -> bool:
        """Whether the name's head noun (its last word, after neutral suffixes such as `obj` or
        `row`) is a payment word: `refund`, `order_payment`, `payment_obj`, `PaymentIntent`;
        not `payment_service` or `PaymentGateway`."""
        parts = [w for w in words(name) if not w.isdigit()]
        while len(parts) > 1 and parts[-1] in _NEUTRAL:
            parts.pop()
        return bool(parts) and (
            parts[-1] in self.payment_words or _singular(parts[-1]) in self.payment_words
        )

    def is_payment(self, node: ast.expr) -> bool:
        """Whether the expression denotes a payment-like object (or model class)."""
        if isinstance(node, ast.Name):
            if node.id in ("self", "cls"):
                return self.class_is_payment
            return node.id in self.bound or self.word_match(node.id)
        if isinstance(node, ast.Attribute):
            return self.word_match(node.attr) or (
                node.attr in ("__table__", "objects") and self.is_payment(node.value)
            )
        if isinstance(node, ast.Subscript):
            return self.is_payment(node.value)
        if isinstance(node, ast.Call):
            name = terminal(node.func)
            if name is not None and self.word_match(name):
                return True  # get_payment(...), Payment(...)
            return any(self.is_payment(a) for a in node.args[:1]) and name in (
                "get", "get_or_404", "get_object_or_404", "one", "first", "scalar_one", "query",
            )  # fmt: skip
        return False

    def is_queryset(self, node: ast.expr) -> bool:
        """A Django queryset / SQLAlchemy query over a payment-like model (`Payment.objects…`,
        `session.query(Payment).filter(…)`), or a local name bound to one."""
        if isinstance(node, ast.Name):
            return node.id in self.querysets
        seen_query = False
        payment = False
        for link in chain(node):
            if isinstance(link, ast.Attribute) and link.attr in QUERYSET_METHODS:
                seen_query = True
            if isinstance(link, ast.Call) and terminal(link.func) in QUERYSET_METHODS:
                seen_query = True
                payment = payment or any(self.is_payment(a) for a in link.args[:1])
            if isinstance(link, ast.Name):
                payment = payment or self.is_payment(link) or link.id in self.querysets
                seen_query = seen_query or link.id in self.querysets
            elif isinstance(link, ast.Attribute) and link.attr != "objects":
                payment = payment or (link.attr[:1].isupper() and self.word_match(link.attr))
        return seen_query and payment


def payment_class(cls: ast.ClassDef, payment_words: frozenset[str]) -> bool:
    """A class whose instances are payments: its name's head noun is a payment word
    (`Payment`, `CardRefund`, `PaymentIntent`; not `PaymentService`), or it is a model
    (a base named like `Model`/`Base`/`Document`) with a payment word anywhere in its name
    (`TransactionItem(models.Model)`)."""
    vocab = Vocabulary(payment_words=payment_words)
    if vocab.word_match(cls.name):
        return True
    model = any((terminal(b) or "").endswith(("Model", "Base", "Document")) for b in cls.bases)
    return model and any(
        w in payment_words or _singular(w) in payment_words for w in words(cls.name)
    )


def bind_names(func: ast.FunctionDef | ast.AsyncFunctionDef, vocab: Vocabulary) -> Vocabulary:
    """`vocab` plus the function's payment-annotated parameters and payment-valued locals."""
    bound = set(vocab.bound)
    args = func.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.annotation is not None and _annotation_is_payment(arg.annotation, vocab):
            bound.add(arg.arg)
    querysets = set(vocab.querysets)
    constructed: set[str] = set()
    other: set[str] = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    current = replace(vocab, bound=frozenset(bound), querysets=frozenset(querysets))
    for node in _own_nodes(func):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
            if isinstance(node.target, ast.Name) and _annotation_is_payment(node.annotation, vocab):
                bound.add(node.target.id)
        elif isinstance(node, ast.For | ast.AsyncFor):
            targets, value = [node.target], node.iter
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets, value = [node.optional_vars], node.context_expr
        if value is None:
            continue
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if _constructor(value):
                constructed.add(target.id)  # Refund(...): its first status is no change
            else:
                other.add(target.id)
            single = _single(value)
            if single is not None and current.is_queryset(single):
                bound.add(target.id)  # Payment.objects.get(...), query(Payment).first()
            elif isinstance(value, ast.Call | ast.Attribute) and current.is_queryset(value):
                querysets.add(target.id)
            elif isinstance(value, ast.Call | ast.Subscript | ast.Attribute | ast.Name) and (
                current.is_payment(value) or current.is_queryset(value)
            ):
                bound.add(target.id)
        current = replace(vocab, bound=frozenset(bound), querysets=frozenset(querysets))
    return replace(current, fresh=frozenset(constructed - other))


def _constructor(value: ast.expr) -> bool:
    """`Refund(...)`, `models.Refund(...)`: a call of a CapWords name (a class)."""
    if not isinstance(value, ast.Call):
        return False
    name = terminal(value.func)
    return name is not None and name[:1].isupper() and not name.isupper()


_SINGLE = frozenset(
    {"get", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "first_or_404",
     "get_or_404", "latest", "earliest", "get_or_create", "update_or_create"}
)  # fmt: skip


def _single(value: ast.expr) -> ast.expr | None:
    """The query of a method call that returns one object (`<query>.get(...)`), else None."""
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in _SINGLE
    ):
        return value.func.value
    return None


def _annotation_is_payment(node: ast.expr, vocab: Vocabulary) -> bool:
    for sub in ast.walk(node):
        name = terminal(sub) if isinstance(sub, ast.Name | ast.Attribute) else None
        if name is None and isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            name = sub.value
        if name and name[:1].isupper() and vocab.word_match(name):
            return True
    return False


def _own_nodes(func: ast.AST) -> Iterator[ast.AST]:
    """Every node of a function's body in source order, not entering nested functions, classes
    or lambdas (they are analysed on their own)."""
    body = getattr(func, "body", [])
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


own_nodes = _own_nodes
