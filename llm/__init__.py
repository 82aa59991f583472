"""The one gateway to LLM providers: `complete(purpose=, messages=, output=, subject=)`.

Imported lazily so that `import llm` works before Django's app registry is ready.
"""


def complete(*, purpose, messages, output, subject=None, **options):
    from llm.gateway import complete as _complete

    return _complete(purpose=purpose, messages=messages, output=output, subject=subject, **options)


__all__ = ["complete"]
