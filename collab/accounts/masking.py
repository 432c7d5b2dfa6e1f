"""Masked names for exports and prints: 王芳 is written 王*, as the seed's registers do.

A person switches it on for themselves (`User.mask_names`). While masking is active —
an export or a print page of such a person, or their background export job — every
`User.label` reads masked, so each sheet, column and template that names people follows
without knowing about it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_active: ContextVar[bool] = ContextVar("collab_names_masked", default=False)

# Exports (register .xlsx/.csv, the dossier, background export downloads), pages and API.
EXPORT_PATH = re.compile(r"\.(xlsx|csv)$|/exports/\d+/download/$")


def mask(name: str) -> str:
    """The family name kept, the rest replaced: 王芳 → 王*."""
    return f"{name[:1]}*" if name else name


def names_masked_active() -> bool:
    return _active.get()


@contextmanager
def names_masked(active: bool = True) -> Iterator[None]:
    token = _active.set(active)
    try:
        yield
    finally:
        _active.reset(token)


def _masked_chunks(chunks):
    iterator = iter(chunks)
    while True:
        with names_masked():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


class NameMaskingMiddleware:
    """Masks names in the exports and print pages (`?print=1`) of people who chose so;
    a streamed export keeps masking while it is written out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        wanted = (
            user is not None
            and user.is_authenticated
            and getattr(user, "mask_names", False)
            and (request.GET.get("print") == "1" or EXPORT_PATH.search(request.path))
        )
        if not wanted:
            return self.get_response(request)
        with names_masked():
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = _masked_chunks(response.streaming_content)
        return response
